import { S3Error } from '../errors/s3-error.js';

/** AWS "Naming Amazon S3 objects": up to 1024 bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;

/**
 * Keys this server refuses before reading any body (docs/s3-protocol.md: "a key that would escape the storage root
 * (`..` segments, absolute paths, NUL) ... is refused with an S3 error and nothing is written").
 * AWS itself accepts `a/../b`, but here the bucket is checked out as files by `dvc pull`, where a `.`/`..`
 * segment would name another place; refusing it keeps every key a plain relative path.
 * The storage layer keeps its own, complete check (UTF-8, segment length).
 */
export function assertAcceptableKey(key: string): void {
  if (key.includes('\0')) throw new S3Error('InvalidObjectName', 'The object key contains a NUL character.');
  if (key.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new S3Error(
      'InvalidObjectName',
      "Object keys with a '.' or '..' path segment are refused: the dataset is checked out as files, where they would point elsewhere.",
    );
  }
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new S3Error('KeyTooLongError', `Your key is too long: at most ${MAX_KEY_BYTES} bytes of UTF-8.`);
  }
}
