import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { EventEmitter } from 'node:events';
import { DISK_FULL_ADVICE, isDiskFull } from '../common/disk-full.js';
import { syncConfig } from '../config/configuration.js';
import { DvcConfigError } from '../dvc/dvc-config.error.js';
import { StorageBackend } from '../storage/storage.backend.js';
import { FlushPipeline } from './flush.pipeline.js';
import { retryDelayMs } from './retry-backoff.policy.js';
import { SingleFlight } from './single-flight.gate.js';
import type { FlushSummary, SyncStatus } from './sync-status.types.js';
import { SyncStateStore } from './sync-state.store.js';

/** What SyncService.events tells observers (metrics) about every flush: scheduled, requested or at shutdown. */
export interface SyncEvents {
  flushed: [summary: FlushSummary];
  'flush-failed': [failure: { durationMs: number }];
}

const TICK_MS = 1_000;
const SHUTDOWN_FLUSH_LIMIT_MS = 50_000;

/**
 * The scheduled job: flush every SYNC_INTERVAL_SECONDS when something is pending, early when SYNC_MAX_PENDING
 * changes wait, once more on graceful shutdown; failed flushes retry with backoff. The request path never
 * waits for this (invariant 7): S3 writes only append to the storage journal.
 */
@Injectable()
export class SyncService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Sync');
  private readonly flight = new SingleFlight(() => this.runFlush());
  private lastAttemptAt = Date.now();
  private nextRetryAt = 0;
  private lastFlush: FlushSummary | null = null;
  /** A failure that could not be saved in sync.db (its disk full too): shown from memory until one can. */
  private unsavedFailure: { lastError: string; lastErrorAt: string; consecutiveFailures: number } | null = null;
  private stopping = false;
  /** Per app, so observers see only this app's flushes. Listeners run inside the flush: they must not throw. */
  readonly events = new EventEmitter<SyncEvents>();

  constructor(
    @Inject(syncConfig.KEY) private readonly config: ConfigType<typeof syncConfig>,
    private readonly storage: StorageBackend,
    private readonly state: SyncStateStore,
    private readonly runner: FlushPipeline,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.checkTarget();
    const timer = setInterval(() => void this.tick(), TICK_MS);
    timer.unref();
    this.scheduler.addInterval('sync-tick', timer);
    this.logger.log(
      `sync every ${this.config.intervalSeconds}s or at ${this.config.maxPending} pending changes → ${this.runner.describe().repository} (${this.runner.describe().branch})`,
    );
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.scheduler.doesExist('interval', 'sync-tick')) this.scheduler.deleteInterval('sync-tick');
    if ((await this.pending()) === 0 && !this.flight.running) return;
    this.logger.log('shutting down: flushing pending changes once more');
    const limit = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), SHUTDOWN_FLUSH_LIMIT_MS).unref(),
    );
    const outcome = await Promise.race([
      this.flight.request().then(
        () => 'done',
        () => 'failed',
      ),
      limit,
    ]);
    if (outcome !== 'done')
      this.logger.warn(`final flush ${outcome}: pending changes stay in storage and sync at the next start`);
  }

  /**
   * A repository whose DVC settings cannot work (unsupported remote scheme, version_aware, no remote…) stops
   * the service at startup with the reason; an unreachable remote does not (writes are kept pending).
   */
  private async checkTarget(): Promise<void> {
    try {
      await this.runner.checkTarget();
    } catch (error) {
      if (error instanceof DvcConfigError) throw error;
      this.logger.warn(
        `cannot reach the Git or DVC remote yet (changes stay pending and sync later): ${(error as Error).message}`,
      );
    }
  }

  /** Runs a flush that sees every change acknowledged before this call. */
  flushNow(): Promise<FlushSummary> {
    return this.flight.request();
  }

  async pending(): Promise<number> {
    return Math.max(0, (await this.storage.lastSeq()) - this.state.progress().syncedSeq);
  }

  async status(): Promise<SyncStatus> {
    const progress = { ...this.state.progress(), ...this.unsavedFailure };
    const target = this.runner.describe();
    const storage = await this.storage.checkWritable();
    return {
      pending: await this.pending(),
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

  private async tick(): Promise<void> {
    if (this.stopping || this.flight.running || Date.now() < this.nextRetryAt) return;
    const pending = await this.pending().catch(() => 0);
    if (pending === 0) return;
    const due = Date.now() - this.lastAttemptAt >= this.config.intervalSeconds * 1000;
    if (due || pending >= this.config.maxPending || this.nextRetryAt !== 0) {
      await this.flight.request().catch(() => undefined);
    }
  }

  private async runFlush(): Promise<FlushSummary> {
    this.lastAttemptAt = Date.now();
    try {
      const summary = await this.runner.run();
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
      this.logger.error(`flush failed (attempt ${failure.consecutiveFailures}, retry in ${delay / 1000}s): ${message}`);
      throw error;
    }
  }
}
