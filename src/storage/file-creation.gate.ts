import { Logger } from '@nestjs/common';
import { createOnLoop, createOnPool, type CreateFile } from './durable-fs.js';

/** Weight of the newest creation in the running average of their times on the event loop. */
const WEIGHT = 1 / 32;
/**
 * A running average above this sends creations to the pool. A file's creation on the loop takes tens of
 * microseconds; a lone one of 1–10 ms comes now and then (seen under the bench's load) and must not turn the loop off
 * (a 10-ms one lifts the average by 0.3 ms); a slow disk's 0.8 ms each (put-path-2.md) crosses it after ~30.
 */
const SLOW_MS = 0.5;
/** How long creations stay on the pool before the loop is tried again. */
const POOL_FOR_MS = 10_000;

/**
 * Where a small body's new file is created (durable-fs.ts SMALL_BODY): on the event loop while creations there have
 * lately been quick, on libuv's pool for a while after they were not. On the loop a creation skips the pool's round
 * trip (a pool thread woken, a completion, a promise): against creating on the pool under load, 1.15× the PUTs per
 * second at 8 clients and 0.84× the CPU per PUT, 1.32× beside a disk hog (bench/results/put-path-17-create-gate.md).
 * But creating a file allocates an inode, which can wait for ext4's journal or the disk, and on the loop that wait
 * holds up every other request: in a slow spell of this machine, PUTs creating on the loop ran at 0.57× the rate of
 * those creating on the pool (put-path-12.md). The gate keeps the first while it holds and falls back to the second
 * when the disk turns slow.
 */
export class FileCreationGate {
  /** Milliseconds, exponentially weighted. */
  private average = 0;
  private poolUntil = -Infinity;
  private readonly logger = new Logger('Storage');

  /** `now` in milliseconds; `onLoop` is durable-fs.ts's unless a spec times it. */
  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly onLoop: CreateFile = createOnLoop,
  ) {}

  readonly create: CreateFile = (path) => {
    const start = this.now();
    if (start < this.poolUntil) return createOnPool(path);
    try {
      return this.onLoop(path);
    } finally {
      const end = this.now();
      this.average += (end - start - this.average) * WEIGHT;
      if (this.average > SLOW_MS) {
        this.logger.log(
          `creating files took ${this.average.toFixed(2)} ms each lately: new files are created on the thread pool for the next ${POOL_FOR_MS / 1000} s`,
        );
        this.poolUntil = end + POOL_FOR_MS;
        this.average = 0;
      }
    }
  };
}
