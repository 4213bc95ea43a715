import { compareCodePoints } from '../dvc/code-point.order.js';
import type { Manifest, ManifestEntry } from './dataset.types.js';

/**
 * One journal change, with the md5 and size of the stored object for a put (its ETag and length), and the key's
 * relpath (`keyToRelativePath`), which the caller needs too and computes once: at ~2.5 µs a key, computing it again
 * for each use was most of the block that a flush of 6,000 objects spent here and in `ours`.
 */
export type ManifestChange = { key: string; relpath: string } & (
  { op: 'put'; md5: string; size: number } | { op: 'delete' }
);

/** What a change did to the dataset, by object key, each list in code-point order. */
export interface DatasetDiff {
  added: string[];
  updated: string[];
  deleted: string[];
}

/**
 * The next manifest from the previous one and the journal's changes, oldest first (a later change of a key
 * overrides an earlier one), made in place: the flush owns the manifest it is given (`OursInput.base`), and a
 * copy of 100,000 entries was most of an incremental flush's cost. Nothing is read or hashed: the cost is
 * O(changes). The diff leaves out changes that cancel out (put then delete of a new key) and puts of identical
 * content.
 */
export function applyChanges(
  manifest: Map<string, ManifestEntry>,
  changes: readonly ManifestChange[],
): { manifest: Map<string, ManifestEntry>; diff: DatasetDiff } {
  const before = new Map<string, { key: string; old: ManifestEntry | undefined }>();
  for (const change of changes) {
    const { relpath } = change;
    if (!before.has(relpath)) before.set(relpath, { key: change.key, old: manifest.get(relpath) });
    if (change.op === 'put') manifest.set(relpath, { md5: change.md5, size: change.size });
    else manifest.delete(relpath);
  }
  return { manifest, diff: diffOver(before, manifest) };
}

/** The diff of the touched relpaths, from their entries before (`undefined`: absent) to the manifest now. */
function diffOver(
  before: ReadonlyMap<string, { key: string; old: ManifestEntry | undefined }>,
  after: Manifest,
): DatasetDiff {
  const diff: DatasetDiff = { added: [], updated: [], deleted: [] };
  for (const [relpath, { key, old }] of before) {
    const now = after.get(relpath);
    if (old && !now) diff.deleted.push(key);
    else if (!old && now) diff.added.push(key);
    else if (old && now && old.md5 !== now.md5) diff.updated.push(key);
  }
  return sortedDiff(diff);
}

/** Each list of the diff in code-point order, as commit messages list them. */
export function sortedDiff(diff: DatasetDiff): DatasetDiff {
  for (const list of [diff.added, diff.updated, diff.deleted]) list.sort(compareCodePoints);
  return diff;
}
