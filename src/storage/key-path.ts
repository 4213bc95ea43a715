import { StorageError } from './storage.errors.js';

/** S3 keys are at most 1024 bytes of UTF-8 (AWS "Naming Amazon S3 objects"). */
export const MAX_KEY_BYTES = 1024;
/** NAME_MAX of Linux filesystems (ext4, xfs, btrfs): one path segment. */
export const MAX_SEGMENT_BYTES = 255;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Refuses what cannot be an object key here: empty, NUL (no filesystem can name it), lone surrogates
 * (the key would not survive UTF-8, so two keys could share bytes), more than 1024 UTF-8 bytes.
 */
export function assertValidKey(key: string): void {
  if (key.length === 0) throw new StorageError('InvalidKey', 'The object key is empty.');
  if (key.includes('\0')) throw new StorageError('InvalidKey', 'The object key contains a NUL character.');
  if (LONE_SURROGATE.test(key)) throw new StorageError('InvalidKey', 'The object key is not valid UTF-8.');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new StorageError('KeyTooLong', `The object key is longer than ${MAX_KEY_BYTES} bytes of UTF-8.`);
  }
}

/**
 * Segment names that cannot be stored as they are, spelled with their leading `.` escaped:
 * - `.` / `..` would walk the tree (the S3 key `a/../b` is its own object, not `b`);
 * - `.git` (file or folder), `.hg/`, `.dvc/` are skipped by DVC's walk (dvc/ignore.py `DvcIgnoreFilter`), and a
 *   `.dvcignore` inside an output makes DVC refuse it: the folder is what the directory layout versions, so
 *   its file names must all be valid DVC relpaths.
 */
const RESERVED = new Set(['.', '..', '.git', '.hg', '.dvc', '.dvcignore']);

/**
 * One key segment → one file name. Injective: `%` is escaped first (`%25`), so `%` alone (the empty
 * segment: `a//b`, a trailing or leading `/`) and a leading `%2E` can only come from the rules here.
 */
export function escapeSegment(segment: string): string {
  if (segment === '') return '%';
  const escaped = segment.replaceAll('%', '%25');
  if (!RESERVED.has(segment)) return escaped;
  return segment === '..' ? '%2E%2E' : `%2E${escaped.slice(1)}`;
}

/**
 * The object's place under the objects folder, as a relative POSIX path: the key split at `/`,
 * each segment escaped. Never absolute, never containing a `.`/`..` segment, so it cannot leave the folder.
 */
export function keyToRelativePath(key: string): string {
  assertValidKey(key);
  const names = key.split('/').map(escapeSegment);
  for (const name of names) {
    if (Buffer.byteLength(name, 'utf8') > MAX_SEGMENT_BYTES) {
      throw new StorageError('InvalidKey', `A segment of the object key is longer than ${MAX_SEGMENT_BYTES} bytes once stored.`);
    }
  }
  return names.join('/');
}

/**
 * The keys that would be files on this key's path: `a//b` → `a`, `a/` (stored as `a/%`).
 * Because the folder mirrors the bucket, none of them may exist while this key does.
 */
export function ancestorKeys(key: string): string[] {
  const ancestors: string[] = [];
  for (let i = key.indexOf('/'); i !== -1; i = key.indexOf('/', i + 1)) {
    if (i > 0) ancestors.push(key.slice(0, i));
  }
  return ancestors;
}
