import { Injectable, OnModuleInit } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { FlushSummary } from '../sync/sync-status.types.js';
import { ProjectsRegistry } from '../projects/projects.registry.js';
import { FLUSH_OUTCOMES, type FlushOutcome, flushOutcome, unixSeconds } from './metric-labels.js';
import { MetricsRegistry } from './metrics.registry.js';

/** 50 ms (nothing to commit, local remotes) to 10 min (a first push of a large dataset to a slow remote). */
const FLUSH_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/**
 * Each project's sync loop, observed from outside, every series labelled with its bucket: flushes through its
 * events (every flush, whoever started it), pending changes and the last sync read on each scrape, so they are
 * right after a restart too, as are the objects each bucket holds.
 */
@Injectable()
export class SyncMetrics implements OnModuleInit {
  private readonly flushes: Counter<'bucket' | 'outcome'>;
  private readonly flushDuration: Histogram<'bucket' | 'outcome'>;
  private readonly uploaded: Counter<'bucket'>;
  private readonly rebases: Counter<'bucket'>;

  constructor(
    metrics: MetricsRegistry,
    private readonly projects: ProjectsRegistry,
  ) {
    const registers = [metrics.registry];
    this.flushes = new Counter({
      name: 'dvc_sync_flushes_total',
      help: 'Flushes by bucket and outcome: committed, nothing-to-commit (the branch already had the dataset), failed (retried with backoff).',
      labelNames: ['bucket', 'outcome'],
      registers,
    });
    this.flushDuration = new Histogram({
      name: 'dvc_sync_flush_duration_seconds',
      help: 'Flush duration (dataset, DVC upload, commit, push, rebases included), by bucket and outcome.',
      labelNames: ['bucket', 'outcome'],
      buckets: FLUSH_BUCKETS,
      registers,
    });
    this.uploaded = new Counter({
      name: 'dvc_sync_dvc_uploaded_objects_total',
      help: 'Objects uploaded to the DVC remote (file objects and .dir manifests), by bucket.',
      labelNames: ['bucket'],
      registers,
    });
    this.rebases = new Counter({
      name: 'dvc_sync_rebases_total',
      help: 'Flushes started over on a new branch tip because a teammate pushed meanwhile, by bucket.',
      labelNames: ['bucket'],
      registers,
    });
    // Every series shows from the start at 0, so increase() sees the first flush of each.
    for (const { bucket } of projects.all()) {
      for (const outcome of FLUSH_OUTCOMES) this.flushes.inc({ bucket, outcome }, 0);
      this.uploaded.inc({ bucket }, 0);
      this.rebases.inc({ bucket }, 0);
    }
    new Gauge({
      name: 'dvc_sync_pending_changes',
      help: 'Changes acknowledged by the S3 API and not yet in a pushed commit, by bucket.',
      labelNames: ['bucket'],
      registers,
      async collect() {
        const pending = await Promise.all(projects.all().map(({ sync }) => sync.pending()));
        projects.all().forEach(({ bucket }, i) => this.set({ bucket }, pending[i]));
      },
    });
    new Gauge({
      name: 'dvc_sync_stored_objects',
      help: 'Objects the S3 API holds (acknowledged and not deleted), by bucket: what the next commit of the dataset lists.',
      labelNames: ['bucket'],
      registers,
      async collect() {
        // A counter row of the index (object-index.schema.ts), not a scan: cheap on every scrape.
        const counts = await Promise.all(projects.all().map(({ storage }) => storage.countObjects()));
        projects.all().forEach(({ bucket }, i) => this.set({ bucket }, counts[i]));
      },
    });
    new Gauge({
      name: 'dvc_sync_last_success_timestamp_seconds',
      help: 'When the dataset on the branch last matched storage after a flush (Unix seconds; 0: never), by bucket.',
      labelNames: ['bucket'],
      registers,
      async collect() {
        const statuses = await Promise.all(projects.all().map(({ sync }) => sync.status()));
        statuses.forEach(({ bucket, lastSyncAt }) => this.set({ bucket }, unixSeconds(lastSyncAt)));
      },
    });
  }

  onModuleInit(): void {
    // Listeners run inside the flush (SyncLoop.events): counting only, nothing that can throw.
    for (const { bucket, sync } of this.projects.all()) {
      sync.events.on('flushed', (summary) => this.flushed(bucket, summary));
      sync.events.on('flush-failed', ({ durationMs }) => this.observe(bucket, 'failed', durationMs));
    }
  }

  private flushed(bucket: string, summary: FlushSummary): void {
    this.observe(bucket, flushOutcome(summary), summary.durationMs);
    this.uploaded.inc({ bucket }, summary.uploadedObjects);
    this.rebases.inc({ bucket }, summary.rebases);
  }

  private observe(bucket: string, outcome: FlushOutcome, durationMs: number): void {
    this.flushes.inc({ bucket, outcome });
    this.flushDuration.observe({ bucket, outcome }, durationMs / 1000);
  }
}
