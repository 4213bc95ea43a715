import { Logger } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { DISK_FULL_ADVICE, isDiskFull } from '../common/disk-full.js';
import type { ProjectSyncSettings } from '../config/project.settings.js';
import { DvcConfigError } from '../dvc/dvc-config.error.js';
import type { StorageBackend } from '../storage/storage.backend.js';
import { FlushSlots } from './flush-slots.gate.js';
import { heapRelease } from './heap.release.js';
import type { FlushPipeline } from './flush.pipeline.js';
import { retryDelayMs } from './retry-backoff.policy.js';
import { SingleFlight } from './single-flight.gate.js';
import type { FlushSummary, SyncStatus } from './sync-status.types.js';
import type { SyncStateStore } from './sync-state.store.js';

/** What SyncLoop.events tells observers (metrics, history) about every flush: scheduled, requested or at shutdown. */
export interface SyncEvents {
  flushed: [summary: FlushSummary];
  'flush-failed': [failure: { durationMs: number }];
}

const SHUTDOWN_FLUSH_LIMIT_MS = 50_000;

/** Changes journaled up to `lastSeq` that the last recorded flush (up to `syncedSeq`) did not take. */
const pendingAfter = (lastSeq: number, syncedSeq: number) => Math.max(0, lastSeq - syncedSeq);

/** What one project's loop drives: its bucket's storage and sync state, its pipeline, and the shared flush slots. */
export interface SyncLoopParts {
  bucket: string;
  settings: ProjectSyncSettings;
  storage: StorageBackend;
  state: SyncStateStore;
  pipeline: FlushPipeline;
  /** Shared by every project's loop: at most SYNC_CONCURRENCY flushes at once. */
  slots?: FlushSlots;
}

/**
 * One project's schedule: flush every `sync.intervalSeconds` when something is pending, early when
 * `sync.maxPending` changes wait, once more on shutdown; failed flushes retry with backoff. Everything here is
 * this project's own (its single flight, retry delay, last flush, unsaved failure), so a project whose remote is
 * down or slow never delays another's. The request path never waits for this (invariant 7): S3 writes only
 * append to the storage journal.
 */
export class SyncLoop {
  private readonly logger = new Logger('Sync');
  readonly bucket: string;
  private readonly settings: ProjectSyncSettings;
  private readonly storage: StorageBackend;
  private readonly state: SyncStateStore;
  private readonly pipeline: FlushPipeline;
  private readonly slots: FlushSlots;
  private readonly flight = new SingleFlight(() => this.slots.run(() => this.runFlush()));
  private lastAttemptAt = Date.now();
  private nextRetryAt = 0;
  private lastFlush: FlushSummary | null = null;
  /** A failure that could not be saved in sync.db (its disk full too): shown from memory until one can. */
  private unsavedFailure: { lastError: string; lastErrorAt: string; consecutiveFailures: number } | null = null;
  private stopping = false;
  /** Per project, so observers see only this project's flushes. Listeners run inside the flush: they must not throw. */
  readonly events = new EventEmitter<SyncEvents>();

  constructor(parts: SyncLoopParts) {
    ({ bucket: this.bucket, settings: this.settings, storage: this.storage, state: this.state } = parts);
    this.pipeline = parts.pipeline;
    this.slots = parts.slots ?? new FlushSlots(1);
  }

  /**
   * A repository whose DVC settings cannot work (unsupported remote scheme, version_aware, no remote…) stops
   * the service at startup with the reason; an unreachable remote does not (writes are kept pending).
   */
  async checkTarget(): Promise<void> {
    try {
      await this.pipeline.checkTarget();
    } catch (error) {
      if (error instanceof DvcConfigError) throw error;
      this.logger.warn(
        `cannot reach the Git or DVC remote yet (changes stay pending and sync later): ${(error as Error).message}`,
        { bucket: this.bucket },
      );
    }
  }

  /**
   * Says where this project syncs to; from now on the app's one-second schedule calls `tick()`. `phase` (0 ≤ phase
   * < 1) brings this project's first interval forward by that fraction of it: projects started together with
   * phases i/N fall due one after another across the interval, not all in the same second (50 flushes queued at
   * once behind SYNC_CONCURRENCY slots would take the event loop from the PUTs in one burst). Each later interval
   * counts from the project's own last flush, so the spread lasts.
   */
  start(phase = 0): void {
    this.lastAttemptAt = Date.now() - phase * this.settings.intervalSeconds * 1000;
    // The last push, loaded while the service idles rather than inside the first flush; its garbage is given back
    // as a flush's is (heap.release.ts).
    heapRelease.flushStarted();
    void this.pipeline.prepare().finally(() => heapRelease.flushEnded());
    const { repository, branch } = this.pipeline.describe();
    this.logger.log(
      `sync every ${this.settings.intervalSeconds}s or at ${this.settings.maxPending} pending changes → ${repository} (${branch})`,
      { bucket: this.bucket },
    );
  }

  /**
   * Stops the schedule and flushes what is pending once more, for at most `limitMs`: what is not flushed by then
   * stays in storage and syncs at the next start.
   */
  async stop(limitMs = SHUTDOWN_FLUSH_LIMIT_MS): Promise<void> {
    this.stopping = true;
    if ((await this.pending().catch(() => 0)) === 0 && !this.flight.running) return;
    this.logger.log('shutting down: flushing pending changes once more', { bucket: this.bucket });
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), limitMs)));
    const outcome = await Promise.race([
      this.flight.request().then(
        () => 'done',
        () => 'failed',
      ),
      limit,
    ]);
    clearTimeout(timer);
    if (outcome !== 'done')
      this.logger.warn(`final flush ${outcome}: pending changes stay in storage and sync at the next start`, {
        bucket: this.bucket,
      });
  }

  /** Runs a flush that sees every change acknowledged before this call. */
  flushNow(): Promise<FlushSummary> {
    return this.flight.request();
  }

  async pending(): Promise<number> {
    const lastSeq = await this.storage.lastSeq();
    return pendingAfter(lastSeq, this.state.progress().syncedSeq);
  }

  async status(): Promise<SyncStatus> {
    const target = this.pipeline.describe();
    const storage = await this.storage.checkWritable();
    const lastSeq = await this.storage.lastSeq();
    // Read after the awaits, in one go: a flush that records its commit meanwhile moves `syncedSeq` and
    // `lastCommit` together, and a status must not show "nothing pending" beside the commit before that flush's.
    const progress = { ...this.state.progress(), ...this.unsavedFailure };
    return {
      bucket: this.bucket,
      pending: pendingAfter(lastSeq, progress.syncedSeq),
      running: this.flight.running,
      lastCommit: progress.lastCommit,
      lastSyncAt: progress.lastSyncAt,
      lastError: progress.lastError,
      lastErrorAt: progress.lastErrorAt,
      consecutiveFailures: progress.consecutiveFailures,
      nextRetryAt: this.nextRetryAt > Date.now() ? new Date(this.nextRetryAt).toISOString() : null,
      branch: target.branch,
      repository: target.repository,
      dataset: target.dataset,
      layout: target.layout,
      remote: target.remote,
      rejected: progress.rejected,
      rejectedCount: progress.rejectedCount,
      lastFlush: this.lastFlush,
      storage,
    };
  }

  /** One look at the schedule (every second, from ProjectsRegistry): flushes when due. */
  async tick(): Promise<void> {
    if (this.stopping || this.flight.running || Date.now() < this.nextRetryAt) return;
    const pending = await this.pending().catch(() => 0);
    if (pending === 0) return;
    const due = Date.now() - this.lastAttemptAt >= this.settings.intervalSeconds * 1000;
    if (due || pending >= this.settings.maxPending || this.nextRetryAt !== 0) {
      await this.flight.request().catch(() => undefined);
    }
  }

  private async runFlush(): Promise<FlushSummary> {
    this.lastAttemptAt = Date.now();
    heapRelease.flushStarted();
    try {
      const summary = await this.pipeline.run();
      this.lastFlush = summary;
      this.nextRetryAt = 0;
      this.unsavedFailure = null;
      // A flush with nothing to push records nothing: clear the previous failure here, or it stays shown.
      if (this.state.progress().consecutiveFailures > 0)
        this.state.saveProgress({ lastError: null, lastErrorAt: null, consecutiveFailures: 0 });
      this.events.emit('flushed', summary);
      return summary;
    } catch (error) {
      this.events.emit('flush-failed', { durationMs: Date.now() - this.lastAttemptAt });
      const reason = error instanceof Error ? error.message : String(error);
      const message = isDiskFull(error) ? `${DISK_FULL_ADVICE} (${reason})` : reason;
      const failure = {
        lastError: message,
        lastErrorAt: new Date().toISOString(),
        consecutiveFailures: (this.unsavedFailure ?? this.state.progress()).consecutiveFailures + 1,
      };
      try {
        this.state.saveProgress(failure);
        this.unsavedFailure = null;
      } catch {
        this.unsavedFailure = failure; // sync.db cannot take it now (a full disk): the status still shows it
      }
      const delay = retryDelayMs(failure.consecutiveFailures);
      this.nextRetryAt = Date.now() + delay;
      this.logger.error(
        `flush failed (attempt ${failure.consecutiveFailures}, retry in ${delay / 1000}s): ${message}`,
        { bucket: this.bucket },
      );
      throw error;
    } finally {
      heapRelease.flushEnded();
    }
  }
}
