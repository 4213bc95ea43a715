import { Logger } from '@nestjs/common';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Commits between two checkpoints: with a handful of pages per group commit, about SQLite's default of 1000 pages. */
const COMMITS_PER_CHECKPOINT = 128;
/** WAL frames (pages) beyond which the WAL is made to start over (the catch-up below): about 16 MiB. */
const MAX_WAL_FRAMES = 4096;

/**
 * The worker: one connection per database it checkpoints (a small page cache: a checkpoint copies pages from the
 * WAL, it does not need a cache), one PASSIVE checkpoint per message. Inline (eval) rather than a file of its own,
 * so it runs the same from dist/ and under the test runner, which loads sources, not dist/. A database it cannot
 * open is answered `fatal`: that index checkpoints on its own connection from then on.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const dbs = new Map();
parentPort.on('message', ({ id, op, path }) => {
  if (op === 'close') {
    dbs.get(path)?.close();
    dbs.delete(path);
    return;
  }
  let db = dbs.get(path);
  try {
    if (!db) {
      db = new Database(path, { timeout: 5000, fileMustExist: true });
      db.pragma('cache_size = -256');
      dbs.set(path, db);
    }
  } catch (error) {
    parentPort.postMessage({ id, ok: false, fatal: true, message: String(error && error.message) });
    return;
  }
  try {
    const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ id, ok: true, log });
  } catch (error) {
    parentPort.postMessage({ id, ok: false, message: String(error && error.message) });
  }
});
`;

interface Reply {
  id: number;
  ok: boolean;
  /** This database cannot be checkpointed here (or the worker died): checkpoint on the writer's connection. */
  fatal?: boolean;
  message?: string;
  /** Frames in the WAL when the checkpoint started. */
  log?: number;
}

/**
 * One worker thread for every index of the process (one per project): a thread costs megabytes of memory, a
 * connection in it much less. Started on first need, unref'd (never what keeps the process alive), and kept for
 * the life of the process.
 */
class CheckpointThread {
  private static shared?: CheckpointThread;
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  private nextId = 0;
  private dead = false;

  static get(): CheckpointThread {
    if (!CheckpointThread.shared || CheckpointThread.shared.dead) CheckpointThread.shared = new CheckpointThread();
    return CheckpointThread.shared;
  }

  private constructor() {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver } });
    this.worker.on('message', (reply: Reply) => {
      const answer = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      answer?.(reply);
    });
    this.worker.on('error', (error: Error) => this.die(error.message));
    this.worker.on('exit', (code) => this.die(`the checkpoint worker exited (code ${code})`));
    this.worker.unref(); // after the listeners: adding one refs the port again
  }

  checkpoint(path: string, answer: (reply: Reply) => void): void {
    if (this.dead) return answer({ id: -1, ok: false, fatal: true, message: 'the checkpoint worker is gone' });
    const id = this.nextId++;
    this.waiting.set(id, answer);
    this.worker.postMessage({ id, op: 'checkpoint', path });
  }

  /** Closes this database's connection in the worker, if one runs (after any checkpoint of it queued there). */
  static forget(path: string): void {
    const thread = CheckpointThread.shared;
    if (thread && !thread.dead) thread.worker.postMessage({ id: -1, op: 'close', path });
  }

  private die(message: string): void {
    this.dead = true;
    for (const answer of this.waiting.values()) answer({ id: -1, ok: false, fatal: true, message });
    this.waiting.clear();
  }
}

/**
 * Checkpoints of one index's write-ahead log, off the event loop.
 *
 * A checkpoint copies the WAL's pages into the database file and fsyncs both (sqlite.org/wal.html, "Checkpointing";
 * with synchronous=NORMAL: "the WAL file is synchronized before each checkpoint and the database file is
 * synchronized after each checkpoint", sqlite.org/pragma.html#pragma_synchronous). SQLite's automatic checkpoint
 * runs inside the commit that crosses 1000 pages, on the committing connection — here the event loop, for two
 * fsyncs: commits slowed to a p99 of 3–6 ms and a maximum of 31 ms on a 2-core VM, every request waiting meanwhile
 * (bench/results/put-path-2.md). So the index turns it off (wal_autocheckpoint=0) and this runs a PASSIVE checkpoint
 * every COMMITS_PER_CHECKPOINT commits on a worker thread with its own connection. PASSIVE never blocks the writer.
 * The WAL only starts over (instead of growing) when a write begins after a checkpoint copied ALL of it, which never
 * happens while writes keep coming in faster than a checkpoint ends ("checkpoint starvation", sqlite.org/wal.html).
 * So once the WAL holds more than MAX_WAL_FRAMES, a second checkpoint copies the frames written during the first
 * while the group commit holds its next batch (`paused`); that batch then restarts the WAL. Requests wait for that
 * short second checkpoint, not for the bulk of the copy, and the event loop never waits at all. Durability is
 * unchanged: a commit is durable once the WAL is fdatasynced (ObjectIndex.durable); a checkpoint only moves durable
 * pages, and a crash during one is recovered by SQLite.
 *
 * If the worker cannot checkpoint this database (it cannot open it, or the thread died), `fallback` checkpoints on
 * the writer's connection from then on, as SQLite would have: slower, never unsafe.
 */
export class WalCheckpointer {
  private readonly logger = new Logger('Storage');
  private commits = 0;
  private running = false;
  private failed = false;
  private closed = false;
  /** While the catch-up checkpoint runs: what the group commit waits for before its next batch. */
  private catchUp?: { done: Promise<void>; resolve: () => void };

  constructor(
    private readonly dbPath: string,
    private readonly fallback: () => void,
    private readonly every = COMMITS_PER_CHECKPOINT,
  ) {}

  /** Called after each commit of the writing connection. */
  committed(): void {
    if (++this.commits < this.every || this.running || this.closed) return;
    this.commits = 0;
    if (this.failed) return this.fallback();
    this.run();
  }

  /** Set while writes should wait (the catch-up checkpoint): resolves when they may go on. */
  get paused(): Promise<void> | undefined {
    return this.catchUp?.done;
  }

  /** Closes the worker's connection; the writer's own close then checkpoints whatever is left. */
  close(): void {
    this.closed = true;
    this.resume();
    CheckpointThread.forget(this.dbPath);
  }

  private run(): void {
    this.running = true;
    CheckpointThread.get().checkpoint(this.dbPath, (reply) => this.answered(reply));
  }

  private answered(reply: Reply): void {
    this.running = false;
    if (this.closed) return; // the index is gone (its folder may be too): nothing to report
    if (reply.fatal) {
      this.failed = true;
      this.logger.warn(`WAL checkpoints run on the event loop from now on: ${reply.message}`);
    } else if (!reply.ok) {
      this.logger.warn(`WAL checkpoint failed (retried later): ${reply.message}`);
    } else if (!this.catchUp && !this.closed && reply.log! > MAX_WAL_FRAMES) {
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      this.catchUp = { done, resolve };
      return this.run();
    }
    this.resume();
  }

  private resume(): void {
    const catchUp = this.catchUp;
    this.catchUp = undefined;
    catchUp?.resolve();
  }
}
