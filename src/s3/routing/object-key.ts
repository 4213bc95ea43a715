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

/** Characters XML 1.0 cannot carry at all, not even as character references (§2.2 Char): C0 controls but tab, LF, CR; U+FFFE, U+FFFF. */
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[\x01-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;

/**
 * Keys a write (PutObject, the destination of CopyObject) may create. On top of `assertAcceptableKey`: no
 * character XML 1.0 cannot carry. AWS stores such keys, but then answers listings with character references
 * that XML 1.0 parsers reject (expat, the JS SDK's parser): one such object would break every listing for the
 * clients that do not ask for `encoding-type=url`. No real client writes them (Label Studio's keys are
 * `<prefix>/<id>`); refusing the write keeps every listing readable. Reads and deletes still accept them, so an
 * object stored before this rule can be removed.
 */
export function assertWritableKey(key: string): void {
  assertAcceptableKey(key);
  const bad = NOT_XML_CHAR.exec(key);
  if (bad) {
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new S3Error(
      'InvalidObjectName',
      `The object key contains U+${code}, a character XML 1.0 cannot carry: S3 listings could not name this object.`,
    );
  }
}
