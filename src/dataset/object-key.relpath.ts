/**
 * Segment names that cannot be files of a DVC directory output, spelled with their leading `.` escaped:
 * - `.` / `..` walk the tree (the S3 key `a/../b` is its own object, not `b`);
 * - `.git` (file or folder), `.hg/`, `.dvc/` are skipped by DVC's walk (dvc/ignore.py `DvcIgnoreFilter`), so a
 *   `.dir` listing them never matches the workspace after `dvc pull`;
 * - a `.dvcignore` inside an output makes DVC raise ("dvcignore file inside an output", DVC docs, .dvcignore).
 */
const RESERVED = new Set(['.', '..', '.git', '.hg', '.dvc', '.dvcignore']);

/**
 * One key segment → one file name. `%` is escaped first (`%25`), so `%` alone (the empty segment) and a
 * leading `%2E` can only come from the rules below: the mapping is injective and `relativePathToKey` undoes it.
 */
export function escapeKeySegment(segment: string): string {
  if (segment === '') return '%';
  const escaped = segment.replaceAll('%', '%25');
  if (!RESERVED.has(segment)) return escaped;
  return segment === '..' ? '%2E%2E' : `%2E${escaped.slice(1)}`;
}

/**
 * Where an object lives in the directory layout, and in the storage folder (both use this one mapping, so
 * `dvc pull` recreates the storage folder file for file): the key split at `/`, each segment escaped.
 * Always a valid DVC relpath: POSIX, relative, no empty segment, no `.`/`..`, nothing DVC ignores.
 * Examples: `exports//17` → `exports/%/17`, `a/../b` → `a/%2E%2E/b`, `100%.json` → `100%25.json`.
 * Validity of the key itself (length, NUL, lone surrogates) is the storage layer's check.
 */
export function keyToRelativePath(key: string): string {
  return key.split('/').map(escapeKeySegment).join('/');
}

/** The key a relpath of the directory layout stands for; `null` when no key maps to it. */
export function relativePathToKey(relpath: string): string | null {
  const segments = relpath.split('/').map((name) => {
    const candidate = name === '%' ? '' : name.replace(/%(25|2E)/g, (escape) => (escape === '%25' ? '%' : '.'));
    return escapeKeySegment(candidate) === name ? candidate : null;
  });
  return segments.includes(null) ? null : segments.join('/');
}
