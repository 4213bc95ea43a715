import type { Manifest, ManifestEntry } from './dataset.types.js';
import { mergeThreeWay } from './three-way.merge.js';

export interface ManifestMerge {
  manifest: Map<string, ManifestEntry>;
  /** Relpaths both sides changed differently; ours was kept. */
  conflicts: string[];
}

/**
 * The directory layout merged file by file (see `mergeThreeWay`): base = the manifest of our previous
 * build, ours = our new build, theirs = the teammate's `.dir` read back from the DVC remote. A file is the
 * same when its md5 is (DVC 3 identifies content by md5 alone).
 */
export function mergeManifests(base: Manifest, ours: Manifest, theirs: Manifest): ManifestMerge {
  const { merged, conflicts } = mergeThreeWay(base, ours, theirs, (a, b) => a.md5 === b.md5);
  return { manifest: merged, conflicts };
}
