import { S3Error } from '../errors/s3-error.js';

/** AWS: "MaxKeys ... returns up to 1,000 key names"; larger values are capped, not refused. */
export const MAX_KEYS_LIMIT = 1000;

export interface ListParams {
  version: 1 | 2;
  prefix: string;
  /** undefined when absent or empty (S3 treats `delimiter=` as no delimiter). */
  delimiter?: string;
  /** 0..1000 */
  maxKeys: number;
  /** Entries (keys or CommonPrefixes) strictly after this one, in UTF-8 byte order. */
  after?: string;
  encodingType?: 'url';
  fetchOwner: boolean;
  /** Echoed back as given. */
  marker?: string;
  continuationToken?: string;
  startAfter?: string;
}

/** NextContinuationToken: opaque to clients; here base64url of the last key or CommonPrefix returned. */
export function encodeContinuationToken(last: string): string {
  return Buffer.from(last, 'utf8').toString('base64url');
}

export function decodeContinuationToken(token: string): string {
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  // Only tokens this server issued round-trip exactly; anything else was made up or corrupted.
  if (token === '' || encodeContinuationToken(decoded) !== token) {
    throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect.', {
      ArgumentName: 'continuation-token',
    });
  }
  return decoded;
}

function parseMaxKeys(raw: string | undefined): number {
  if (raw === undefined) return MAX_KEYS_LIMIT;
  if (!/^\d+$/.test(raw.trim())) {
    throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range.', {
      ArgumentName: 'max-keys',
      ArgumentValue: raw,
    });
  }
  return Math.min(Number(raw.trim()), MAX_KEYS_LIMIT);
}

/** The query of ListObjects (v1) or ListObjectsV2 → validated parameters. */
export function parseListParams(query: Record<string, string>, version: 1 | 2): ListParams {
  const encoding = query['encoding-type'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'url') {
    throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', {
      ArgumentName: 'encoding-type',
    });
  }
  const params: ListParams = {
    version,
    prefix: query.prefix ?? '',
    delimiter: query.delimiter ? query.delimiter : undefined,
    maxKeys: parseMaxKeys(query['max-keys']),
    encodingType: encoding === undefined ? undefined : 'url',
    // v1 always names the owner; v2 only when asked (AWS ListObjectsV2 "fetch-owner").
    fetchOwner: version === 1 || query['fetch-owner'] === 'true',
  };
  if (version === 1) {
    params.marker = query.marker;
    params.after = query.marker || undefined;
  } else {
    params.startAfter = query['start-after'];
    params.continuationToken = query['continuation-token'];
    // The token takes precedence over start-after (AWS ListObjectsV2).
    params.after =
      params.continuationToken !== undefined
        ? decodeContinuationToken(params.continuationToken)
        : params.startAfter || undefined;
  }
  return params;
}
