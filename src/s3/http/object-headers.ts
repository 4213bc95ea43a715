import { S3Error } from '../errors/s3-error.js';
import type { ObjectHeaders, ObjectMeta } from '../../storage/storage.backend.js';
import type { ByteRange } from '../../storage/storage.backend.js';
import { objectETag } from '../../storage/multipart.rules.js';
import { contentRange } from './byte-range.js';
import { decodeMetadataValue, encodeMetadataValue, oneValue } from './header-text.js';

type Headers = Record<string, string | string[] | undefined>;

/** AWS: "the user-defined metadata is limited to 2 KB ... the sum of the number of bytes in the UTF-8 encoding of each key and value". */
export const MAX_USER_METADATA_BYTES = 2048;
const META_PREFIX = 'x-amz-meta-';
/** Returned instead of nothing when no type was stored (what AWS answers). */
export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

/** `x-amz-meta-*` request headers → { name: value } with lowercased names, refusing more than 2 KB. */
export function userMetadataFrom(headers: Headers): Record<string, string> {
  const metadata: Record<string, string> = {};
  let bytes = 0;
  for (const [rawName, rawValue] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    const value = oneValue(rawValue);
    if (!name.startsWith(META_PREFIX) || value === undefined) continue;
    const key = name.slice(META_PREFIX.length);
    metadata[key] = decodeMetadataValue(value);
    bytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (bytes > MAX_USER_METADATA_BYTES) {
    throw new S3Error('MetadataTooLarge', undefined, {
      Size: String(bytes),
      MaxSizeAllowed: String(MAX_USER_METADATA_BYTES),
    });
  }
  return metadata;
}

/**
 * The object headers a PUT (or a CopyObject with REPLACE) stores. `contentEncoding` is passed through
 * `storedEncoding` so that the transport encoding `aws-chunked` is never stored.
 */
export function objectHeadersFrom(
  headers: Headers,
  storedEncoding: (value: string | undefined) => string | undefined,
): ObjectHeaders {
  const stored: ObjectHeaders = { userMetadata: userMetadataFrom(headers) };
  const fields: [keyof Omit<ObjectHeaders, 'userMetadata'>, string][] = [
    ['contentType', 'content-type'],
    ['contentDisposition', 'content-disposition'],
    ['contentLanguage', 'content-language'],
    ['cacheControl', 'cache-control'],
    ['expires', 'expires'],
  ];
  for (const [field, header] of fields) {
    const value = oneValue(headers[header]);
    if (value !== undefined && value !== '') stored[field] = value;
  }
  const encoding = storedEncoding(oneValue(headers['content-encoding']));
  if (encoding !== undefined && encoding !== '') stored.contentEncoding = encoding;
  return stored;
}

export interface ObjectResponseOptions {
  /** The range served (206), if any. */
  range?: ByteRange;
  /** `x-amz-checksum-mode: ENABLED` was sent. */
  checksumMode: boolean;
  /** `response-*` query overrides, already mapped to header names. */
  overrides: Record<string, string>;
}

/** Headers of a GetObject/HeadObject answer. */
export function objectResponseHeaders(meta: ObjectMeta, options: ObjectResponseOptions): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': meta.contentType ?? DEFAULT_CONTENT_TYPE,
    'content-length': String(options.range ? options.range.end - options.range.start + 1 : meta.size),
    etag: `"${objectETag(meta)}"`,
    'last-modified': meta.lastModified.toUTCString(),
    'accept-ranges': 'bytes',
  };
  if (options.range) headers['content-range'] = contentRange(options.range, meta.size);
  const optional: [string, string | undefined][] = [
    ['content-encoding', meta.contentEncoding],
    ['content-disposition', meta.contentDisposition],
    ['content-language', meta.contentLanguage],
    ['cache-control', meta.cacheControl],
    ['expires', meta.expires],
  ];
  for (const [name, value] of optional) if (value !== undefined) headers[name] = value;
  for (const [name, value] of Object.entries(meta.userMetadata))
    headers[`${META_PREFIX}${name}`] = encodeMetadataValue(value);
  // botocore ≥ 1.36 and the JS SDK validate a returned checksum against the bytes received: a full-object
  // checksum next to a partial body would fail every ranged read, so it is only sent with the whole object.
  if (options.checksumMode && !options.range) {
    const entries = Object.entries(meta.checksums);
    for (const [algorithm, value] of entries) headers[`x-amz-checksum-${algorithm.toLowerCase()}`] = value;
    // A multipart object's COMPOSITE checksum reads `<value>-<parts>`; SDKs do not validate those against the bytes.
    const composite = entries.some(([, value]) => value.includes('-'));
    if (entries.length > 0) headers['x-amz-checksum-type'] = composite ? 'COMPOSITE' : 'FULL_OBJECT';
  }
  return { ...headers, ...options.overrides };
}
