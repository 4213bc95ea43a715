import type { ByteRange } from '../../storage/storage.backend.js';
import { S3Error } from '../errors/s3-error.js';

/**
 * UploadPartCopy's `x-amz-copy-source-range: bytes=first-last` (AWS: "zero-based byte offsets ... inclusive"):
 * unlike a GET Range, no suffix or open form, and a range beyond the source is refused, not clamped.
 * Absent: the whole source (undefined; also for an empty source).
 */
export function parseCopySourceRange(header: string | undefined, sourceSize: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d{1,15})-(\d{1,15})$/.exec(header.trim());
  if (!match || Number(match[1]) > Number(match[2])) {
    throw new S3Error(
      'InvalidArgument',
      'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
      { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: header },
    );
  }
  const range = { start: Number(match[1]), end: Number(match[2]) };
  if (range.end >= sourceSize) {
    throw new S3Error('InvalidRange', `Range specified is not valid for source object of size: ${sourceSize}`, {
      RangeRequested: header,
      ActualObjectSize: String(sourceSize),
    });
  }
  return range;
}
