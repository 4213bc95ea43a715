import { S3Error } from '../errors/s3-error.js';
import type { ByteRange } from '../../storage/storage.backend.js';

/**
 * `Range` header → the byte range to serve, or `undefined` for the whole object.
 *
 * S3 is forgiving where RFC 9110 lets a server be (§14.2 "A server MAY ignore the Range header"); behaviour
 * measured against AWS by moto/LocalStack (getmoto/moto#6778) and ceph/s3-tests:
 * - several ranges (`bytes=0-1,5-6`) or an unparsable header → the whole object, 200 (AWS does not do multipart/byteranges);
 * - `bytes=a-b` with b < a → the whole object, 200;
 * - a first byte at or past the end (also any range on an empty object), or the suffix `bytes=-0` → 416 InvalidRange;
 * - a last byte past the end is clamped; a suffix longer than the object gives the whole object as 206.
 */
export function resolveRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return undefined;
  const [, first, last] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) throw unsatisfiable(header, size);
    if (size === 0) return undefined;
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) throw unsatisfiable(header, size);
  if (last === '') return { start, end: size - 1 };
  const end = Number(last);
  if (end < start) return undefined;
  return { start, end: Math.min(end, size - 1) };
}

function unsatisfiable(header: string, size: number): S3Error {
  return new S3Error('InvalidRange', undefined, {
    RangeRequested: header,
    ActualObjectSize: String(size),
    // RFC 9110 §15.5.17: a 416 names the current length.
    'content-range': `bytes */${size}`,
  });
}

/** `Content-Range` of a 206 answer. */
export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}
