import { execFile } from 'node:child_process';
import { fsyncDir } from './fsync-dir.js';

/**
 * Makes every write to the file system holding `path` durable with one syncfs(2), through coreutils' `sync -f`
 * (Node.js has no binding for it; `sync` is in every Debian image, ours included). It writes back all dirty data
 * and metadata of that file system and flushes the device cache, and reports a write-back error (Linux ≥ 5.8):
 * after it, the data of every file written there before the call survives a power cut, as after an fsync of each.
 * One call in place of thousands of fsyncs is what makes a first flush of 100,000 objects affordable
 * (bench/results/flush-first-sync.md).
 *
 * Resolves false when `sync` cannot be run here (the caller then fsyncs file by file); rejects when it ran and
 * failed (an I/O error: nothing written since the last successful call is known durable).
 */
export function syncFileSystem(path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    execFile('sync', ['-f', path], { timeout: 600_000 }, (error, _stdout, stderr) => {
      if (!error) return resolve(true);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return resolve(false);
      reject(new Error(`syncfs of ${path} failed: ${stderr.trim() || error.message}`, { cause: error }));
    });
  });
}

/**
 * fsync(2) of one file: its bytes and its inode reach the disk. Opening read-only and fsyncing is the same call for
 * a file as for a folder, so it is `fsyncDir`'s.
 */
export const fsyncFile: (path: string) => Promise<void> = fsyncDir;
