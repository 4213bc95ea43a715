import { lstat } from 'node:fs/promises';

/**
 * Whether anything is at `path`, the entry itself (a dangling symlink counts: it still occupies the name a
 * rename or mkdir would use). Any error (ENOENT, EACCES on a parent) reads as "no": callers go on to create it,
 * and that creation reports the real problem.
 */
export function pathExists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
