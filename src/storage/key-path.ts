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
 * Segment names that cannot be stored as they are, spelled with their leading `.` escaped, in any letter case
 * (macOS and Windows filesystems, where `dvc pull` recreates this folder, see `.GIT` as `.git`):
 * - `.` / `..` would walk the tree (the S3 key `a/../b` is its own object, not `b`);
 * - `.git` (file or folder), `.hg/`, `.dvc/` are skipped by DVC's walk (dvc/ignore.py `DvcIgnoreFilter`), and a
 *   `.dvcignore` inside an output makes DVC refuse it: the folder is what the directory layout versions, so
 *   its file names must all be valid DVC relpaths.
 */
const RESERVED = new Set(['.', '..', '.git', '.hg', '.dvc', '.dvcignore']);

/**
 * One key segment → one file name. Injective: `%` is escaped first (`%25`), so `%` alone (the empty
 * segment: `a//b`, a trailing or leading `/`), a leading `%2E` and `%5C` can only come from the rules here.
 * `\` becomes `%5C`: it is a path separator on Windows, where `..\..\x` would leave the dataset folder.
 */
export function escapeSegment(segment: string): string {
  if (segment === '') return '%';
  const escaped = segment.replaceAll('%', '%25').replaceAll('\\', '%5C');
  if (!RESERVED.has(segment.toLowerCase())) return escaped;
  return segment === '..' ? '%2E%2E' : `%2E${escaped.slice(1)}`;
}

/**
 * The mapping of releases before reserved names were escaped in every letter case and `\` was escaped: kept only so
 * that storage start-up can move the files those releases wrote (`moveLegacyKeyPaths`).
 */
function legacyEscapeSegment(segment: string): string {
  if (segment === '') return '%';
  const escaped = segment.replaceAll('%', '%25');
  if (!RESERVED.has(segment)) return escaped;
  return segment === '..' ? '%2E%2E' : `%2E${escaped.slice(1)}`;
}

/** Marker prefixes of the pieces of an over-long segment; no escaped segment starts with them (its `%` is `%25`). */
const FIRST_PIECE = '%L';
const MIDDLE_PIECE = '%+';
const LAST_PIECE = '%-';
const PIECE_BYTES = MAX_SEGMENT_BYTES - 2;

/**
 * A segment whose escaped name is longer than NAME_MAX (S3 allows a 1024-byte key without any `/`) becomes a chain
 * of folders `%L<piece>/%+<piece>/…/%-<piece>`, cut at UTF-8 character boundaries. The first and last markers
 * differ from the middle one, so a long segment's folders never meet another key's file.
 */
function storedNames(segment: string, escape = escapeSegment): string[] {
  const name = escape(segment);
  if (Buffer.byteLength(name, 'utf8') <= MAX_SEGMENT_BYTES) return [name];
  const pieces: string[] = [];
  let piece = '';
  for (const char of name) {
    if (Buffer.byteLength(piece + char, 'utf8') > PIECE_BYTES) {
      pieces.push(piece);
      piece = '';
    }
    piece += char;
  }
  pieces.push(piece);
  return pieces.map((text, i) => (i === 0 ? FIRST_PIECE : i === pieces.length - 1 ? LAST_PIECE : MIDDLE_PIECE) + text);
}

/**
 * The object's place under the objects folder, as a relative POSIX path: the key split at `/`, each segment
 * escaped (and cut into pieces when too long for one file name). Never absolute, never containing a `.`/`..`
 * segment, so it cannot leave the folder. The directory dataset uses the same relpaths.
 */
export function keyToRelativePath(key: string): string {
  assertValidKey(key);
  return key
    .split('/')
    .flatMap((segment) => storedNames(segment))
    .join('/');
}

/** Where a release before the current escaping stored the key (equal to `keyToRelativePath` for almost every key). */
export function legacyKeyToRelativePath(key: string): string {
  assertValidKey(key);
  return key
    .split('/')
    .flatMap((segment) => storedNames(segment, legacyEscapeSegment))
    .join('/');
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
