import { randomUUID } from 'node:crypto';
import { closeSync, open as openCallback, unlinkSync } from 'node:fs';
import { mkdir, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../common/fsync-dir.js';
import { SharedFsync } from './shared-fsync.js';
import { OBJECT_FILE_MODE, STORAGE_DIR_MODE } from './storage-layout.js';

/** A new temp file's path, and its descriptor when it was created ahead of need (open for writing, empty). */
export interface TempFile {
  path: string;
  fd?: number;
  /**
   * Its name survives a power cut already: tmp/ was fsynced after the file was created (only files created ahead
   * are). A put answered before its rename is durable needs that (docs/architecture.md, "One PUT").
   */
  named?: true;
}

/**
 * Files created ahead of need, per bucket: this many are kept ready once the bucket was written to (an idle bucket
 * holds none). Enough for the PUTs of one burst of clients (8 in the benchmarks) to find one each while the next
 * ones are being created.
 */
export const READY_TEMP_FILES = 8;

/**
 * New files are created once no more than this many are ready, in one batch up to READY_TEMP_FILES, made durable
 * together: a lone client's PUTs pay the fsyncs of one batch per 4 files, off their path.
 */
const REFILL_AT = READY_TEMP_FILES / 2;

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
 * A file is handed out only once its NAME is durable (`named`): fsync(2) of a file "does not necessarily ensure
 * that the entry in the directory containing the file has also reached disk". A put is answered before the folder
 * its file is renamed into is fsynced; after a power cut that lost the rename, the startup recovery finds the temp
 * file by that name and finishes the put (storage-recovery.rules.ts). Each batch lives in a folder of its own,
 * tmp/<batch>/, fsynced once before its files are handed out (with tmp/, for the batch folder's own entry) and never
 * again: a later fsync of the folder a file was renamed out of could make the removal of its temp name durable
 * while its new name is not yet, and a power cut would then leave it under no name (a folder's fsync promises
 * nothing about the other folder of a rename; ext4 and XFS journal a rename atomically, but nothing here relies on
 * that). A batch folder is removed once its files are all gone and every rename out of tmp/ made before is durable
 * (`renamedOut`), so that fsyncing tmp/ afterwards cannot tear one either.
 *
 * A PUT that finds no file ready creates its own (`fd` absent, no `named`) and is answered once the folder it is
 * renamed into is fsynced, as before files were made ahead. A ready file is an empty file that no journal row
 * names; the startup recovery empties tmp/ once the intents are resolved, and `close` removes the ready files on
 * shutdown. A file that cannot be created ahead (a full disk, too many open files) is not an error: the PUT then
 * creates its own and reports what fails there.
 */
export class TempFiles {
  private readonly ready: ReadyFile[] = [];
  private readonly fsyncs: SharedFsync;
  /** Renames out of tmp/ whose new name is not durable yet (their folder's fsync pending). */
  private readonly renamedOut = new Set<Promise<unknown>>();
  /** Batch folders whose files were all handed out or removed: to remove once empty. */
  private drained: string[] = [];
  private sweeping = false;
  private opening = 0;
  private closed = false;
  /** Set by `close` while files are still being created: called once the last of them is removed. */
  private allClosed?: () => void;

  constructor(
    private readonly dir: string,
    fsync: (dir: string) => Promise<void> = fsyncDir,
  ) {
    this.fsyncs = new SharedFsync(fsync);
  }

  /** A new temp file (ready, when one is), and the next ones started. */
  take(): TempFile {
    const ready = this.ready.shift();
    if (ready) {
      held.count--;
      if (!this.ready.some((file) => file.batch === ready.batch)) this.drained.push(ready.batch);
    }
    this.refill();
    if (!ready) return { path: this.newPath(this.dir) };
    const { batch: _batch, ...file } = ready;
    return file;
  }

  /**
   * A file taken from here was renamed out of tmp/; `durable` settles once its new name survives a power cut (or
   * never will: an fsync failed). No batch folder is removed before.
   */
  renamedOutOf(durable: Promise<unknown>): void {
    this.renamedOut.add(durable);
    const done = () => this.renamedOut.delete(durable);
    void durable.then(done, done);
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
    if (this.closed || this.ready.length + this.opening > REFILL_AT) return;
    const count = Math.min(READY_TEMP_FILES - this.ready.length - this.opening, MAX_READY_IN_PROCESS - held.count);
    if (count <= 0) return;
    this.opening += count;
    held.count += count;
    void this.makeBatch(count);
  }

  /** `count` new empty files in a new batch folder, made durable, then ready. Never rejects. */
  private async makeBatch(count: number): Promise<void> {
    void this.sweep();
    const batch = join(this.dir, randomUUID());
    let files: ReadyFile[] = [];
    let named = false;
    try {
      await mkdir(batch, { mode: STORAGE_DIR_MODE });
      const created = await Promise.all(Array.from({ length: count }, () => this.create(batch)));
      files = created.filter((file) => file !== undefined);
      if (files.length > 0) {
        await Promise.all([this.fsyncs.sync(batch), this.fsyncs.sync(this.dir)]);
        named = true;
      }
    } catch {
      // not ready: the PUTs that need a file create their own, and report what fails there
    }
    this.opening -= count;
    held.count -= count - files.length;
    if (named && !this.closed) {
      this.ready.push(...files);
    } else {
      for (const file of files) {
        held.count--;
        discard(file);
      }
      this.drained.push(batch);
    }
    if (this.closed && this.opening === 0) this.allClosed?.();
  }

  /** One new empty file in `batch`, or undefined when it cannot be created. */
  private create(batch: string): Promise<ReadyFile | undefined> {
    const path = this.newPath(batch);
    return new Promise((resolve) =>
      openCallback(path, 'wx', OBJECT_FILE_MODE, (error, fd) =>
        resolve(error ? undefined : { path, fd, named: true, batch }),
      ),
    );
  }

  /** Removes the drained batch folders that are empty, once the renames out of tmp/ made before are durable. */
  private async sweep(): Promise<void> {
    if (this.sweeping || this.drained.length === 0) return;
    this.sweeping = true;
    const folders = this.drained;
    this.drained = [];
    const kept: string[] = [];
    try {
      for (const folder of folders) {
        const entries = await readdir(folder).catch(() => undefined);
        if (entries === undefined) continue; // gone
        // A file taken, still being written or failed: the folder waits for the next sweep.
        if (entries.length > 0) {
          kept.push(folder);
          continue;
        }
        // Empty: every rename out of it was made before now, so it is in renamedOut until durable.
        await Promise.allSettled([...this.renamedOut]);
        await rmdir(folder).catch(() => undefined);
      }
    } finally {
      this.drained.push(...kept);
      this.sweeping = false;
    }
  }

  private newPath(dir: string): string {
    return join(dir, `${randomUUID()}.part`);
  }
}

/** A ready file, and the batch folder it was created in. */
type ReadyFile = Required<TempFile> & { batch: string };

function discard(file: Required<TempFile>): void {
  closeSync(file.fd);
  try {
    unlinkSync(file.path);
  } catch {
    // gone already: the startup recovery would have removed it anyway
  }
}
