import { S3Error } from '../errors/s3-error.js';
import { BUCKET_NAME } from '../../config/setting.rules.js';

/** What a path-style request addresses: the service (`/`), a bucket (`/b`, `/b/`) or an object (`/b/key`). */
export interface S3Target {
  bucket?: string;
  /** Percent-decoded exactly once; `undefined` for service and bucket requests. */
  key?: string;
}

/** The request target split as received, before any decoding (SigV4 signs the raw path). */
export interface RawRequestTarget {
  rawPath: string;
  rawQuery: string;
}

/** `req.url` → raw path and raw query, both untouched. */
export function splitRawUrl(url: string): RawRequestTarget {
  const q = url.indexOf('?');
  return q < 0 ? { rawPath: url, rawQuery: '' } : { rawPath: url.slice(0, q), rawQuery: url.slice(q + 1) };
}

/** S3's bucket naming rules, as the settings check them (setting.rules.ts `BUCKET_NAME`). */
export function isValidBucketName(name: string): boolean {
  return BUCKET_NAME.pattern!.test(name);
}

/** Percent-decoding that reports malformed escapes or invalid UTF-8 as S3's InvalidURI. */
export function decodeOnce(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new S3Error(
      'InvalidURI',
      `Couldn't parse the specified URI: ${JSON.stringify(raw)} is not valid percent-encoded UTF-8.`,
    );
  }
}

/**
 * Path style: `/{bucket}/{key}`. The key is everything after the first `/` following the bucket, taken from the
 * RAW path and percent-decoded exactly once, so `exports//17` keeps its `//` and `+` stays `+`
 * (only query strings use `+` for space).
 */
export function parseS3Target(rawPath: string): S3Target {
  if (!rawPath.startsWith('/')) throw new S3Error('InvalidURI');
  const rest = rawPath.slice(1);
  if (rest === '') return {};
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  if (!isValidBucketName(bucket)) {
    throw new S3Error('InvalidBucketName', `The specified bucket is not valid: ${JSON.stringify(bucket)}.`, {
      BucketName: bucket,
    });
  }
  const rawKey = slash < 0 ? '' : rest.slice(slash + 1);
  return rawKey === '' ? { bucket } : { bucket, key: decodeOnce(rawKey) };
}

/**
 * `a=1&b&c=` → { a: '1', b: '', c: '' }. Names and values are form-decoded (`+` is a space, as in every
 * S3 implementation's query parsing); the first occurrence of a name wins.
 */
export function parseQuery(rawQuery: string): Record<string, string> {
  const query: Record<string, string> = Object.create(null) as Record<string, string>; // no __proto__ surprises
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = formDecode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : formDecode(pair.slice(eq + 1));
    if (!Object.hasOwn(query, name)) query[name] = value;
  }
  return query;
}

/** `+` is a space, then percent-decoding; text with neither (most of a presigned URL's) is already decoded. */
function formDecode(raw: string): string {
  return raw.includes('%') || raw.includes('+') ? decodeOnce(raw.replace(/\+/g, ' ')) : raw;
}
