import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A small filesystem of its own for DATA_DIR, so a test can fill it and then give space back: a tmpfs mounted
 * by the test (root only: `mount -t tmpfs -o size=…`), grown in place with `mount -o remount,size=…` (what
 * resizing a volume under a running service looks like). Not being root is a loud failure, never a skip.
 */
export interface SmallDisk {
  dir: string;
  resize(size: string): void;
  /** Unmounts and removes the mount point; safe to call twice, and after a failed mount. */
  remove(): void;
}

export function mountSmallDisk(size: string): SmallDisk {
  if (process.getuid?.() !== 0) {
    throw new Error('the full-disk suite mounts a tmpfs and must run as root (as the CI container does)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'dvc-sync-small-disk-'));
  let mounted = false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
    mounted = true;
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    resize: (next) => execFileSync('mount', ['-o', `remount,size=${next}`, dir]),
    remove: () => {
      if (mounted) execFileSync('umount', [dir]);
      mounted = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Bytes free on the filesystem holding `dir` (df, in 1K blocks). */
export function freeBytes(dir: string): number {
  const lines = execFileSync('df', ['-Pk', dir], { encoding: 'utf8' }).trim().split('\n');
  return Number(lines[lines.length - 1].split(/\s+/)[3]) * 1024;
}
