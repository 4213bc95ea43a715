import { S3Error } from '../errors/s3-error.js';
import type { S3ErrorCode } from '../errors/s3-error-codes.js';

/** The signature parameters of a request, from its Authorization header or its presigned query string. */
export interface SignatureParams {
  presigned: boolean;
  accessKeyId: string;
  /** yyyymmdd from the credential scope */
  scopeDate: string;
  region: string;
  service: string;
  terminal: string;
  /** SignedHeaders exactly as sent (it is part of the canonical request) and split on ';'. */
  signedHeadersText: string;
  signedHeaders: string[];
  signature: string;
  /** Presigned only: X-Amz-Date and X-Amz-Expires as sent (header auth reads the x-amz-date header). */
  amzDate?: string;
  expires?: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const SIGV4A = 'AWS4-ECDSA-P256-SHA256';
const PRESIGN_PARAMS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Signature',
  'X-Amz-Date',
  'X-Amz-SignedHeaders',
  'X-Amz-Expires',
];

type Credential = Pick<SignatureParams, 'accessKeyId' | 'scopeDate' | 'region' | 'service' | 'terminal'>;

/** `AKID/yyyymmdd/region/service/aws4_request`; the wording of the errors is S3's own. */
function parseCredential(value: string, fail: (message: string) => S3Error): Credential {
  const parts = value.split('/');
  if (parts.length !== 5 || parts[0] === '' || !/^\d{8}$/.test(parts[1])) {
    throw fail('the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".');
  }
  const [accessKeyId, scopeDate, region, service, terminal] = parts;
  return { accessKeyId, scopeDate, region, service, terminal };
}

function splitSignedHeaders(text: string, fail: (message: string) => S3Error): string[] {
  const names = text.split(';');
  if (names.some((n) => n === '')) throw fail(`SignedHeaders "${text}" is mal-formed.`);
  return names;
}

/** Parses `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` (AWS S3 API reference, sigv4-auth-using-authorization-header). */
export function parseAuthorizationHeader(value: string): SignatureParams {
  const fail = (message: string) =>
    new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; ${message}`);
  const space = value.indexOf(' ');
  const algorithm = space < 0 ? value : value.slice(0, space);
  if (algorithm === SIGV4A)
    throw new S3Error(
      'NotImplemented',
      'Signature Version 4A (AWS4-ECDSA-P256-SHA256) is not supported; sign with AWS4-HMAC-SHA256.',
    );
  if (algorithm === 'AWS')
    throw new S3Error(
      'NotImplemented',
      'Signature Version 2 in the Authorization header is not supported (SigV2 presigned URLs are); sign with AWS Signature Version 4 (AWS4-HMAC-SHA256).',
    );
  if (algorithm !== ALGORITHM) {
    throw new S3Error('InvalidArgument', 'Unsupported Authorization Type', {
      ArgumentName: 'Authorization',
      ArgumentValue: value,
    });
  }
  const fields = new Map<string, string>();
  for (const part of value.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeadersText = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeadersText || !signature) {
    throw fail('the authorization header requires three components: Credential, SignedHeaders, and Signature.');
  }
  return {
    presigned: false,
    ...parseCredential(credential, fail),
    signedHeadersText,
    signedHeaders: splitSignedHeaders(signedHeadersText, fail),
    signature,
  };
}

/** Parses the X-Amz-* parameters of a presigned URL (AWS S3 API reference, sigv4-query-string-auth). */
export function parsePresignedQuery(pairs: Array<[string, string]>): SignatureParams {
  const code: S3ErrorCode = 'AuthorizationQueryParametersError';
  const fail = (message: string) => new S3Error(code, `Error parsing the X-Amz-Credential parameter; ${message}`);
  const params = new Map<string, string>();
  for (const [name, value] of pairs) {
    if (!PRESIGN_PARAMS.includes(name)) continue;
    if (params.has(name)) throw new S3Error(code, `The query parameter ${name} was given more than once.`);
    params.set(name, value);
  }
  if (params.get('X-Amz-Algorithm') === SIGV4A) {
    throw new S3Error(
      'NotImplemented',
      'Signature Version 4A (AWS4-ECDSA-P256-SHA256) is not supported; sign with AWS4-HMAC-SHA256.',
    );
  }
  if (PRESIGN_PARAMS.some((name) => !params.get(name))) {
    throw new S3Error(
      code,
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  if (params.get('X-Amz-Algorithm') !== ALGORITHM)
    throw new S3Error(code, 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  const signedHeadersText = params.get('X-Amz-SignedHeaders')!;
  return {
    presigned: true,
    ...parseCredential(params.get('X-Amz-Credential')!, fail),
    signedHeadersText,
    signedHeaders: splitSignedHeaders(signedHeadersText, (m) => new S3Error(code, m)),
    signature: params.get('X-Amz-Signature')!,
    amzDate: params.get('X-Amz-Date')!,
    expires: params.get('X-Amz-Expires')!,
  };
}
