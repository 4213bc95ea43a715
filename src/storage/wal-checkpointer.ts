import { Logger } from '@nestjs/common';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Commits between two checkpoints: with a handful of pages per group commit, about SQLite's default of 1000 pages. */
const COMMITS_PER_CHECKPOINT = 128;
/** WAL frames (pages) beyond which the WAL is made to start over (the catch-up below): about 16 MiB. */
const MAX_WAL_FRAMES = 4096;

/**
 * The worker: its own connection to the database, one PASSIVE checkpoint per message. Inline (eval) rather than a
 * file of its own, so it runs the same from dist/ and under the test runner, which loads sources, not dist/.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: 5000 });
db.pragma('synchronous = NORMAL');
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [{ log, checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, log, checkpointed });
  } catch (error) {
    parentPort.postMessage({ ok: false, message: String(error && error.message) });
  }
});
`;

/**
 * Checkpoints of the index's write-ahead log, off the event loop.
 *
 * A checkpoint copies the WAL's pages into the database file and fsyncs both (sqlite.org/wal.html, "Checkpointing";
 * with synchronous=NORMAL: "the WAL file is synchronized before each checkpoint and the database file is
 * synchronized after each checkpoint", sqlite.org/pragma.html#pragma_synchronous). SQLite's automatic checkpoint
 * runs inside the commit that crosses 1000 pages, on the committing connection — here the event loop, for two
 * fsyncs: measured on the dev box, one group commit in 40 took over 2 ms and the slowest 31 ms, every request
 * waiting meanwhile (bench/results/put-path-2.md). So the index turns it off (wal_autocheckpoint=0) and this runs a
 * PASSIVE checkpoint every COMMITS_PER_CHECKPOINT commits on a worker thread with its own connection. PASSIVE never
 * blocks the writer: it copies what no reader still needs, and the writer restarts the WAL from its start once a
 * checkpoint has copied it all. Durability is unchanged: a commit is durable once the WAL is fdatasynced
 * (ObjectIndex.durable); a checkpoint only moves durable pages, and a crash during one is recovered by SQLite.
 *
 * Started on first need (most indexes in tests never reach it). If the worker cannot run (it failed to open the
 * database, or died), `fallback` checkpoints on the caller's connection, as SQLite would have: slower, never unsafe.
 */
export class WalCheckpointer {
  private readonly logger = new Logger('Storage');
  private worker?: Worker;
  private commits = 0;
  private running = false;
  /** While the catch-up checkpoint runs: what the group commit waits for before its next batch. */
  private catchUp?: { done: Promise<void>; resolve: () => void };
  private failed = false;
  private closed = false;

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
    this.running = true;
    this.start().postMessage('checkpoint');
  }

  /** Set while writes should wait (the catch-up checkpoint): resolves when they may go on. */
  get paused(): Promise<void> | undefined {
    return this.catchUp?.done;
  }

  /** Lets the worker close its connection; the writer's own close then checkpoints whatever is left. */
  close(): void {
    this.closed = true;
    this.resume();
    this.worker?.postMessage('close');
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path: this.dbPath, driver } });
    worker.on('message', (result: { ok: boolean; message?: string; log?: number; checkpointed?: number }) => {
      if (!result.ok) this.logger.warn(`WAL checkpoint failed (retried later): ${result.message}`);
      if (result.ok && !this.catchUp && !this.closed && result.log! > MAX_WAL_FRAMES) {
        let resolve!: () => void;
        const done = new Promise<void>((r) => (resolve = r));
        this.catchUp = { done, resolve };
        worker.postMessage('checkpoint');
        return;
      }
      this.running = false;
      this.resume();
    });
    worker.on('error', (error: Error) => this.giveUp(error.message));
    worker.on('exit', (code) => {
      if (!this.closed) this.giveUp(`the checkpoint worker exited (code ${code})`);
    });
    worker.unref(); // never what keeps the process alive (after the listeners: adding one refs the port again)
    this.worker = worker;
    return worker;
  }

  private resume(): void {
    const catchUp = this.catchUp;
    this.catchUp = undefined;
    catchUp?.resolve();
  }

  private giveUp(reason: string): void {
    if (this.failed) return;
    this.failed = true;
    this.running = false;
    this.resume();
    this.logger.warn(`WAL checkpoints run on the event loop from now on: ${reason}`);
  }
}
