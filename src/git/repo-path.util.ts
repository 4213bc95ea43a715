/**
 * Splits a repository path into tree entry names, or says why it cannot name a file in a git tree.
 * Mirrors git's verify_path (read-cache.c) and the names isomorphic-git refuses when it parses a tree
 * (UnsafeFilepathError): `.`/`..`/`.git` (any case, trailing dots/spaces, HFS ignorables, NTFS
 * `git~1`), empty components, backslashes and NUL.
 */
export function splitRepoPath(path: string): { names: string[] } | { error: string } {
  if (path.length === 0) return { error: 'the path is empty' };
  if (path.includes('\0')) return { error: 'the path contains NUL' };
  if (path.includes('\\')) return { error: 'the path contains a backslash' };
  if (path.startsWith('/')) return { error: 'the path is absolute' };
  const names = path.split('/');
  for (const name of names) {
    if (name === '') return { error: 'the path has an empty component (// or a trailing /)' };
    if (name === '.' || name === '..') return { error: `the path has a '${name}' component` };
    // HFS+ ignores these code points when comparing names (git's is_hfs_dotgit).
    const hfsClean = name.replace(/[\u200C-\u200F\u202A-\u202E\u206A-\u206F\uFEFF]/g, '');
    const normalized = hfsClean
      .split(':')[0]
      .toLowerCase()
      .replace(/[. ]+$/, '');
    if (normalized === '.git' || /^\.?git~[1-9]$/.test(normalized)) return { error: "the path goes through '.git'" };
  }
  return { names };
}
