import type { ByteRange, ObjectMeta } from '../../storage/storage.backend.js';
import { MAX_PARTS } from '../../storage/multipart.rules.js';
import { S3Error } from '../errors/s3-error.js';

/** `partNumber` of UploadPart, a CompleteMultipartUpload part, or GetObject: an integer 1..10,000. */
export function parsePartNumber(raw: string): number {
  const trimmed = raw.trim();
  const n = /^\d{1,5}$/.test(trimmed) ? Number(trimmed) : NaN;
  if (!(n >= 1 && n <= MAX_PARTS)) {
    throw new S3Error('InvalidArgument', `Part number must be an integer between 1 and ${MAX_PARTS}, inclusive.`, {
      ArgumentName: 'partNumber',
      ArgumentValue: raw,
    });
  }
  return n;
}

export interface PartRead {
  /** The bytes of the part; undefined for the whole of an empty object. */
  range?: ByteRange;
  /** `x-amz-mp-parts-count`, for an object made of parts. */
  partsCount?: number;
}

/**
 * `GET/HEAD ?partNumber=N` (what the AWS Java SDK v2 multipart download starts with): the bytes of part N of an
 * object made by CompleteMultipartUpload; for any other object part 1 is the whole object. A part beyond the
 * last is InvalidPartNumber (416), as S3 answers it.
 */
export function partRead(meta: Pick<ObjectMeta, 'size' | 'multipart'>, partNumber: number): PartRead {
  const sizes = meta.multipart?.partSizes ?? [meta.size];
  if (partNumber > sizes.length) {
    throw new S3Error('InvalidPartNumber', undefined, {
      PartNumberRequested: String(partNumber),
      ActualPartCount: String(sizes.length),
    });
  }
  const start = sizes.slice(0, partNumber - 1).reduce((sum, size) => sum + size, 0);
  const size = sizes[partNumber - 1];
  const range = size === 0 ? undefined : { start, end: start + size - 1 };
  return meta.multipart ? { range, partsCount: sizes.length } : { range };
}
