import { closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { fsyncDir } from './fsync-dir.js';

/** syncfs(2) as koffi binds it: `async` runs the call on one of koffi's worker threads, never the event loop. */
interface SyncfsBinding {
  async(fd: number, done: (error: unknown, result: number) => void): void;
}

let binding: { syncfs: SyncfsBinding; errno: () => number } | null | undefined;

/**
 * syncfs(2) of the C library this process runs on, through koffi (an FFI with prebuilt binaries: Node.js has no
 * binding for it, and spawning coreutils' `sync -f` instead forks this process, which stopped the event loop for
 * 30–90 ms at 420 MiB RSS: bench/results/projects-scale.md). Null where there is none (not Linux, or no prebuilt
 * koffi for this platform): callers then fsync file by file.
 */
function syncfsBinding(): typeof binding {
  if (binding !== undefined) return binding;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as {
      load(path: null): { func(signature: string): SyncfsBinding };
      errno(): number;
    };
    binding = { syncfs: koffi.load(null).func('int syncfs(int fd)'), errno: () => koffi.errno() };
  } catch {
    binding = null;
  }
  return binding;
}

/** Whether syncFileSystem can call syncfs(2) here (it resolves false where it cannot), without calling it. */
export function canSyncFileSystem(): boolean {
  return syncfsBinding() !== null;
}

/**
 * Makes every write to the file system holding `path` durable with one syncfs(2): it writes back all dirty data and
 * metadata of that file system and flushes the device cache, and reports a write-back error (Linux ≥ 5.8): after
 * it, the data of every file written there before the call, and every directory entry made there, survive a power
 * cut, as after an fsync of each file and folder. One call in place of thousands of fsyncs is what makes a first
 * flush of 100,000 objects affordable (bench/results/flush-first-sync.md), and the PUT path's small bodies'
 * files cheap to make durable (local-storage.backend.ts `settle`). It also writes back what other programs left dirty
 * on that file system: on one shared with heavy writers it takes longer (no PUT's answer waits for it; the intents it
 * releases, and the next write of their keys, do).
 *
 * Resolves false when syncfs(2) cannot be called here (the caller then fsyncs file by file); rejects when it ran and
 * failed (an I/O error: nothing written since the last successful call is known durable).
 */
export function syncFileSystem(path: string): Promise<boolean> {
  const bound = syncfsBinding();
  if (!bound) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      reject(new Error(`syncfs of ${path} failed: ${(error as Error).message}`, { cause: error }));
      return;
    }
    bound.syncfs.async(fd, (error, result) => {
      // koffi.errno() in the callback is the call's (a bad descriptor reads EBADF here).
      const errno = result === 0 ? 0 : bound.errno();
      closeSync(fd);
      if (!error && result === 0) return resolve(true);
      const code = Object.entries(constants.errno).find(([, value]) => value === errno)?.[0] ?? `errno ${errno}`;
      reject(new Error(`syncfs of ${path} failed: ${error instanceof Error ? error.message : code}`, { cause: error }));
    });
  });
}

/**
 * fsync(2) of one file: its bytes and its inode reach the disk. Opening read-only and fsyncing is the same call for
 * a file as for a folder, so it is `fsyncDir`'s.
 */
export const fsyncFile: (path: string) => Promise<void> = fsyncDir;
