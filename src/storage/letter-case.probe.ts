import { randomUUID } from 'node:crypto';
import { lstat, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathExists } from '../common/path-exists.js';
import { StorageError } from './storage.errors.js';

/**
 * Whether the file system of `dir` does NOT tell letter case apart in names: creates a name with capitals and looks
 * for it spelled in small letters. ext4 and XFS tell case apart; macOS's APFS and HFS+ (by default), NTFS, exFAT and
 * FAT do not, nor an ext4 folder with the casefold attribute. On such a folder the keys "A.json" and "a.json" would
 * be one file, and the second PUT would silently replace the first one's bytes (local-storage.backend.ts `commit`
 * refuses it instead).
 */
export async function ignoresLetterCase(dir: string): Promise<boolean> {
  const name = `Letter-Case-Probe-${randomUUID()}`;
  const path = join(dir, name);
  await writeFile(path, '', { flag: 'wx' });
  try {
    return await pathExists(join(dir, name.toLowerCase()));
  } finally {
    await rm(path, { force: true });
  }
}

/**
 * The lock identity of a key on such a file system: keys that may name one file must not commit at once. Small
 * letters of the decomposed form (APFS also ignores Unicode normalization); folding more than the file system does
 * only serializes a few more writes.
 */
export function foldLetterCase(key: string): string {
  return key.normalize('NFD').toLowerCase();
}

/**
 * Whether a new key's file at `dest` (under `root`) would land on stored keys of another spelling, where letter case
 * is not told apart: something is at `dest` already (another key's file, or a folder of other keys: `A/b` stored,
 * `a` asked for), or a folder on its way is a file (`A` stored, `a/c` asked for). A folder found on the way ends
 * the walk: every folder above it exists too.
 */
export async function pathTaken(root: string, dest: string): Promise<boolean> {
  if (await pathExists(dest)) return true;
  for (let dir = dirname(dest); dir.length > root.length; dir = dirname(dir)) {
    const found = await lstat(dir).catch(() => undefined);
    if (found) return !found.isDirectory();
  }
  return false;
}

export function caseConflict(key: string): StorageError {
  return new StorageError(
    'KeyCaseConflict',
    `The key "${key}" names the same file as a stored key that differs from it only in letter case: this server's ` +
      'file system does not tell letter case apart. Rename one of them, or store the data on a case-sensitive volume.',
  );
}
