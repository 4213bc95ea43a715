import { randomUUID } from 'node:crypto';
import { closeSync, open as openCallback, unlinkSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncDir } from '../common/fsync-dir.js';
import type { ReadyFilesBudget } from './ready-files.budget.js';
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
 * Files created ahead of need, per bucket: this many are kept ready once the bucket was written to (a bucket never
 * written to, or idle for READY_FILES_IDLE_MS, holds none). Two bursts of 8 clients' PUTs: with 8 ready and 3 slots,
 * 2 in 5 PUTs of 8 clients (~1,700 PUT/s) found none, the next batch and its folder's fsync not done yet, and waited
 * for their folder's fsync; with 16 and 6 slots, about 1 in 6 (bench/results/put-path-5.md).
 */
export const READY_TEMP_FILES = 16;

/**
 * New files are created once no more than this many are ready, in one batch up to READY_TEMP_FILES, made durable
 * together: a lone client's PUTs pay the fsyncs of one batch per 4 files, off their path.
 */
const REFILL_AT = READY_TEMP_FILES / 2;

/**
 * Folders per bucket that files are made ahead in, in turn: a slot is filled again only once empty and every rename
 * out of it durable (a slow upload keeps its file there meanwhile: the next slot is used).
 */
const SLOTS = 6;

/**
 * A bucket that took no file for this long gives its ready files back (closed, removed, their descriptors returned
 * to the budget all buckets share, ready-files.budget.ts): a service holding many projects must not let those
 * written to once an hour keep the ready files that busy ones need. Its next PUT creates its own file, as a
 * bucket's first one does, and starts a new batch. Long beside the seconds between an annotator's saves.
 */
export const READY_FILES_IDLE_MS = 5 * 60_000;

/**
 * The temp files streamed bodies are written to, created a few at a time BEFORE a PUT needs one, on libuv's thread
 * pool; a PUT that waited for that open waited for a pool thread, and under load the pool's threads are busy with
 * the fsyncs of other PUTs: the open queued behind them (bench/results/put-storage.md). Taking a ready file is
 * synchronous: the PUT's first disk wait is then the fsync it cannot avoid. A body gathered whole (an annotation,
 * a presigned PUT) takes none (`fresh`): its bytes travel in its intent, so its file's name never needs to be
 * durable, and creating that file when the body is written costs less CPU than a file made ahead (durable-fs.ts
 * `SMALL_BODY`: where it is created).
 *
 * A file is handed out only once its NAME is durable (`named`): fsync(2) of a file "does not necessarily ensure
 * that the entry in the directory containing the file has also reached disk". A put is answered before the folder
 * its file is renamed into is fsynced; after a power cut that lost the rename, the startup recovery finds the temp
 * file by that name and finishes the put (storage-recovery.rules.ts). A batch is made in a slot folder,
 * tmp/ahead-<n>/, fsynced once before its files are handed out. That folder is fsynced again (for its next batch)
 * only once it is empty and every rename out of it is durable (`renamedOut`): an fsync of the folder a file was
 * renamed out of could make the removal of its temp name durable while its new name is not yet, and a power cut
 * would then leave it under no name (a folder's fsync promises nothing about the other folder of a rename; ext4 and
 * XFS journal a rename atomically, but nothing here relies on that).
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
  /** Per slot folder: renames out of it whose new name is not durable yet (their folder's fsync pending). */
  private readonly renamedOut = new Map<string, Set<Promise<unknown>>>();
  /** The folders files are made ahead in (SLOTS), made once per run. */
  private readonly slots: string[];
  private slotsMade?: Promise<void>;
  /** Slots a batch is being made in. */
  private readonly filling = new Set<string>();
  /** Slots left alone for the rest of the run (`renamedOutOf`). */
  private readonly retired = new Set<string>();
  private opening = 0;
  private closed = false;
  /** Set by `close` while files are still being created: called once the last of them is removed. */
  private allClosed?: () => void;
  /** When a file was last taken (performance.now(): monotonic), and the timer that gives idle files back. */
  private lastTake = 0;
  private idleTimer?: NodeJS.Timeout;

  /**
   * `budget`: the descriptors every bucket's ready files may hold together, ready or being created (a service with
   * hundreds of projects must not hold 8 per project that was written to once). Beyond it a PUT creates its own
   * file, as without files made ahead.
   */
  constructor(
    private readonly dir: string,
    private readonly budget: ReadyFilesBudget,
    fsync: (dir: string) => Promise<void> = fsyncDir,
    private readonly idleMs = READY_FILES_IDLE_MS,
  ) {
    this.fsyncs = new SharedFsync(fsync);
    this.slots = Array.from({ length: SLOTS }, (_, i) => join(dir, `ahead-${i}`));
  }

  /** A new temp file (ready, when one is), and the next ones started. */
  take(): TempFile {
    this.lastTake = performance.now();
    const ready = this.ready.shift();
    if (ready) this.budget.release(1);
    this.refill();
    if (!ready) return this.fresh();
    const { batch: _batch, ...file } = ready;
    return file;
  }

  /**
   * A temp path of its own, no file made ahead and none started: for a body gathered whole, which travels in its
   * intent (durable-fs.ts `SMALL_BODY`), so that no name of its file needs to be durable. Its file is created when
   * the body is written.
   */
  fresh(): TempFile {
    return { path: this.newPath(this.dir) };
  }

  /**
   * `file`, taken from here, was renamed out of tmp/; `durable` resolves once its new name survives a power cut. The
   * folder it left is not fsynced again before, nor ever in this run if `durable` rejects (an fsync failed: the temp
   * name may be all that recovery will find).
   */
  renamedOutOf(file: TempFile, durable: Promise<unknown>): void {
    const slot = dirname(file.path);
    const pending = this.renamedOut.get(slot) ?? new Set();
    this.renamedOut.set(slot, pending);
    pending.add(durable);
    const done = () => {
      pending.delete(durable);
      if (pending.size === 0 && this.renamedOut.get(slot) === pending) this.renamedOut.delete(slot);
    };
    void durable.then(done, () => {
      this.retired.add(slot);
      done();
    });
  }

  /** Closes and removes the ready files, and those still being created once they are; none is created after this. */
  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.discardReady();
    if (this.opening === 0) return Promise.resolve();
    return new Promise((resolve) => (this.allClosed = resolve));
  }

  private refill(): void {
    if (this.closed || this.ready.length + this.opening > REFILL_AT) return;
    // A batch costs an fsync whatever its size: below REFILL_AT files (the budget nearly spent) the PUTs create
    // their own instead.
    const count = this.budget.reserve(READY_TEMP_FILES - this.ready.length - this.opening, REFILL_AT);
    if (count === 0) return;
    this.opening += count;
    void this.makeBatch(count);
  }

  /** Arms the idle check (one timer per bucket, never what keeps the process alive) unless it is armed. */
  private watchIdle(delayMs: number): void {
    if (this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.closed || this.ready.length === 0) return; // a batch made later arms it again
      const idleFor = performance.now() - this.lastTake;
      if (idleFor >= this.idleMs) this.discardReady();
      else this.watchIdle(this.idleMs - idleFor);
    }, delayMs);
    this.idleTimer.unref();
  }

  private discardReady(): void {
    for (const file of this.ready.splice(0)) {
      this.budget.release(1);
      discard(file);
    }
  }

  /** `count` new empty files in an idle slot folder, made durable, then ready. Never rejects. */
  private async makeBatch(count: number): Promise<void> {
    let files: ReadyFile[] = [];
    let named = false;
    const slot = await this.idleSlot().catch(() => undefined);
    try {
      if (slot) {
        const created = await Promise.all(Array.from({ length: count }, () => this.create(slot)));
        files = created.filter((file) => file !== undefined);
        if (files.length > 0) {
          await this.fsyncs.sync(slot);
          named = true;
        }
      }
    } catch {
      // not ready: the PUTs that need a file create their own, and report what fails there
    } finally {
      if (slot) this.filling.delete(slot);
    }
    this.opening -= count;
    this.budget.release(count - files.length);
    if (named && !this.closed) {
      this.ready.push(...files);
      this.watchIdle(this.idleMs);
    } else {
      this.budget.release(files.length);
      for (const file of files) discard(file);
    }
    if (this.closed && this.opening === 0) this.allClosed?.();
  }

  /**
   * A slot folder that may be fsynced now: none of its files is ready or being made, it is empty (every file taken
   * from it was renamed out or removed), and every rename out of it is durable. Undefined when none
   * is (the PUTs then create their own files until one is). The slots are made (and tmp/ fsynced) once per run.
   */
  private async idleSlot(): Promise<string | undefined> {
    this.slotsMade ??= (async () => {
      for (const slot of this.slots) await mkdir(slot, { recursive: true, mode: STORAGE_DIR_MODE });
      await this.fsyncs.sync(this.dir);
    })();
    await this.slotsMade.catch((error: unknown) => {
      this.slotsMade = undefined; // tried again by the next batch
      throw error;
    });
    for (const slot of this.slots) {
      if (this.filling.has(slot) || this.retired.has(slot)) continue;
      if (this.ready.some((file) => file.batch === slot)) continue;
      this.filling.add(slot);
      const entries = await readdir(slot).catch(() => ['unreadable']);
      if (entries.length === 0) {
        // Empty: every rename out of it happened before now, so it is in renamedOut until its new name is durable.
        await Promise.allSettled([...(this.renamedOut.get(slot) ?? [])]);
        if (!this.retired.has(slot)) return slot;
      }
      this.filling.delete(slot);
    }
    return undefined;
  }

  /** One new empty file in `slot`, or undefined when it cannot be created. */
  private create(slot: string): Promise<ReadyFile | undefined> {
    const path = this.newPath(slot);
    return new Promise((resolve) =>
      openCallback(path, 'wx', OBJECT_FILE_MODE, (error, fd) =>
        resolve(error ? undefined : { path, fd, named: true, batch: slot }),
      ),
    );
  }

  private newPath(dir: string): string {
    return join(dir, `${randomUUID()}.part`);
  }
}

/** A ready file, and the slot folder it was created in. */
type ReadyFile = Required<TempFile> & { batch: string };

function discard(file: Required<TempFile>): void {
  closeSync(file.fd);
  try {
    unlinkSync(file.path);
  } catch {
    // gone already: the startup recovery would have removed it anyway
  }
}
