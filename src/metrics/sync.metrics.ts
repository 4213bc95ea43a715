import { Injectable, OnModuleInit } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { FlushSummary } from '../sync/sync-status.types.js';
import { SyncService } from '../sync/sync.service.js';
import { FLUSH_OUTCOMES, type FlushOutcome, flushOutcome, unixSeconds } from './metric-labels.js';
import { MetricsRegistry } from './metrics.registry.js';

/** 50 ms (nothing to commit, local remotes) to 10 min (a first push of a large dataset to a slow remote). */
const FLUSH_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/**
 * The sync engine, observed from outside: flushes through SyncService.events (every flush, whoever started it),
 * pending changes and the last sync read from SyncService on each scrape, so they are right after a restart too.
 */
@Injectable()
export class SyncMetrics implements OnModuleInit {
  private readonly flushes: Counter<'outcome'>;
  private readonly flushDuration: Histogram<'outcome'>;
  private readonly uploaded: Counter;
  private readonly rebases: Counter;

  constructor(
    metrics: MetricsRegistry,
    private readonly sync: SyncService,
  ) {
    const registers = [metrics.registry];
    this.flushes = new Counter({
      name: 'dvc_sync_flushes_total',
      help: 'Flushes by outcome: committed, nothing-to-commit (the branch already had the dataset), failed (retried with backoff).',
      labelNames: ['outcome'],
      registers,
    });
    this.flushDuration = new Histogram({
      name: 'dvc_sync_flush_duration_seconds',
      help: 'Flush duration (dataset, DVC upload, commit, push, rebases included), by outcome.',
      labelNames: ['outcome'],
      buckets: FLUSH_BUCKETS,
      registers,
    });
    // Every outcome shows from the start at 0, so increase() sees the first flush of each.
    for (const outcome of FLUSH_OUTCOMES) this.flushes.inc({ outcome }, 0);
    this.uploaded = new Counter({
      name: 'dvc_sync_dvc_uploaded_objects_total',
      help: 'Objects uploaded to the DVC remote (file objects and .dir manifests).',
      registers,
    });
    this.rebases = new Counter({
      name: 'dvc_sync_rebases_total',
      help: 'Flushes started over on a new branch tip because a teammate pushed meanwhile.',
      registers,
    });
    new Gauge({
      name: 'dvc_sync_pending_changes',
      help: 'Changes acknowledged by the S3 API and not yet in a pushed commit.',
      registers,
      async collect() {
        this.set(await sync.pending());
      },
    });
    new Gauge({
      name: 'dvc_sync_last_success_timestamp_seconds',
      help: 'When the dataset on the branch last matched storage after a flush (Unix seconds; 0: never).',
      registers,
      async collect() {
        this.set(unixSeconds((await sync.status()).lastSyncAt));
      },
    });
  }

  onModuleInit(): void {
    // Listeners run inside the flush (SyncService.events): counting only, nothing that can throw.
    this.sync.events.on('flushed', (summary) => this.flushed(summary));
    this.sync.events.on('flush-failed', ({ durationMs }) => this.observe('failed', durationMs));
  }

  private flushed(summary: FlushSummary): void {
    this.observe(flushOutcome(summary), summary.durationMs);
    this.uploaded.inc(summary.uploadedObjects);
    this.rebases.inc(summary.rebases);
  }

  private observe(outcome: FlushOutcome, durationMs: number): void {
    this.flushes.inc({ outcome });
    this.flushDuration.observe({ outcome }, durationMs / 1000);
  }
}
