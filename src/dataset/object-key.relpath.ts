import { escapeSegment, keyToRelativePath } from '../storage/key-path.js';

/**
 * The directory layout uses the storage folder's own mapping (storage/key-path.ts), so that `dvc pull`
 * recreates the storage folder file for file: `exports//17` → `exports/%/17`, `a/../b` → `a/%2E%2E/b`,
 * `100%.json` → `100%25.json`, `.git` → `%2Egit`. Always a valid DVC relpath.
 */
export { escapeSegment as escapeKeySegment, keyToRelativePath };

/** The key a relpath of the directory layout stands for; `null` when no key maps to it. */
export function relativePathToKey(relpath: string): string | null {
  const segments = relpath.split('/').map((name) => {
    const candidate = name === '%' ? '' : name.replace(/%(25|2E)/g, (escape) => (escape === '%25' ? '%' : '.'));
    return escapeSegment(candidate) === name ? candidate : null;
  });
  return segments.includes(null) ? null : segments.join('/');
}
