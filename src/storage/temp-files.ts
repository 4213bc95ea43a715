import { randomUUID } from 'node:crypto';
import { closeSync, open as openCallback, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { OBJECT_FILE_MODE } from './storage-layout.js';

/** A new temp file's path, and its descriptor when it was created ahead of need (open for writing, empty). */
export interface TempFile {
  path: string;
  fd?: number;
}

/**
 * Files created ahead of need, per bucket: this many are kept ready once the bucket was written to (an idle bucket
 * holds none). Enough for the PUTs of one burst of clients (8 in the benchmarks) to find one each while the next
 * ones are being created.
 */
export const READY_TEMP_FILES = 8;

/**
 * Ready files of every bucket of the process together, at most: descriptors are the process's (a soft limit of
 * 1,024 is common), and a service with hundreds of projects must not hold 8 per project that was written to once.
 * Beyond it a PUT creates its own file, as without files made ahead.
 */
const MAX_READY_IN_PROCESS = 128;
/** Descriptors held by every TempFiles of the process: ready, or being created. */
const held = { count: 0 };

/**
 * The temp files bodies are written to, created a few at a time BEFORE a PUT needs one. Creating a file allocates
 * an inode, so it goes to libuv's thread pool (durable-fs.ts, SMALL_BODY says why not on the event loop); a PUT
 * that waited for that open waited for a pool thread, and under load the pool's threads are busy with the fsyncs
 * of other PUTs: the open queued behind them (bench/results/put-storage.md). Taking a ready file is synchronous:
 * the PUT's first disk wait is then the fsync it cannot avoid.
 *
 * Nothing about durability changes: a ready file is an empty file in tmp/ that no journal row names; the startup
 * recovery empties tmp/ (storage-recovery.ts) whatever a crash left there, and `close` removes the ready files on
 * shutdown. A file that cannot be created ahead (a full disk, too many open files) is not an error: the PUT then
 * creates its own (`fd` absent) and reports what fails there.
 */
export class TempFiles {
  private readonly ready: Required<TempFile>[] = [];
  private opening = 0;
  private closed = false;
  /** Set by `close` while files are still being created: called once the last of them is removed. */
  private allClosed?: () => void;

  constructor(private readonly dir: string) {}

  /** A new temp file (ready, when one is), and the next ones started. */
  take(): TempFile {
    const ready = this.ready.shift();
    if (ready) held.count--;
    this.refill();
    return ready ?? { path: this.newPath() };
  }

  /** Closes and removes the ready files, and those still being created once they are; none is created after this. */
  close(): Promise<void> {
    this.closed = true;
    for (const file of this.ready.splice(0)) {
      held.count--;
      discard(file);
    }
    if (this.opening === 0) return Promise.resolve();
    return new Promise((resolve) => (this.allClosed = resolve));
  }

  private refill(): void {
    while (!this.closed && this.ready.length + this.opening < READY_TEMP_FILES && held.count < MAX_READY_IN_PROCESS) {
      const path = this.newPath();
      this.opening++;
      held.count++;
      openCallback(path, 'wx', OBJECT_FILE_MODE, (error, fd) => {
        this.opening--;
        // On an error the PUT that needs a file creates its own, and reports what fails there.
        if (error || this.closed) held.count--;
        if (!error && this.closed) discard({ path, fd });
        else if (!error) this.ready.push({ path, fd });
        if (this.closed && this.opening === 0) this.allClosed?.();
      });
    }
  }

  private newPath(): string {
    return join(this.dir, `${randomUUID()}.part`);
  }
}

function discard(file: Required<TempFile>): void {
  closeSync(file.fd);
  try {
    unlinkSync(file.path);
  } catch {
    // gone already: the startup recovery would have removed it anyway
  }
}
