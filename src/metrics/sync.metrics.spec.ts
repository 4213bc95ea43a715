import { describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { FlushSummary } from '../sync/sync-status.types.js';
import type { ProjectsRegistry } from '../projects/projects.registry.js';
import type { SyncEvents } from '../sync/sync.loop.js';
import { MetricsRegistry } from './metrics.registry.js';
import { SyncMetrics } from './sync.metrics.js';

/** The part of a project's SyncLoop that metrics read: its events and two public reads; and its object count. */
function fakeSync(pending: number, lastSyncAt: string | null, bucket = 'annotations', stored = 0) {
  return {
    bucket,
    stored,
    events: new EventEmitter<SyncEvents>(),
    pending: async () => pending,
    status: async () => ({ bucket, lastSyncAt }),
  };
}

const summary = (fields: Partial<FlushSummary>): FlushSummary => ({
  commit: null,
  added: 0,
  updated: 0,
  deleted: 0,
  uploadedObjects: 0,
  rebases: 0,
  merged: false,
  durationMs: 0,
  finishedAt: '2024-05-01T12:00:00.000Z',
  ...fields,
});

function metricsOf(...loops: Array<ReturnType<typeof fakeSync>>): MetricsRegistry {
  const registry = new MetricsRegistry();
  const projects = {
    all: () => loops.map((sync) => ({ bucket: sync.bucket, sync, storage: { countObjects: async () => sync.stored } })),
  };
  new SyncMetrics(registry, projects as unknown as ProjectsRegistry).onModuleInit();
  return registry;
}

describe('SyncMetrics', () => {
  it('counts every flush by outcome, with its uploads, rebases and duration', async () => {
    const sync = fakeSync(0, null);
    const registry = metricsOf(sync);
    sync.events.emit('flushed', summary({ commit: 'c0ffee', uploadedObjects: 3, rebases: 1, durationMs: 1_200 }));
    sync.events.emit('flushed', summary({ commit: 'beef', uploadedObjects: 2, durationMs: 300 }));
    sync.events.emit('flushed', summary({ commit: null, durationMs: 20 }));
    sync.events.emit('flush-failed', { durationMs: 40 });

    const text = await registry.render();
    expect(text).toContain('dvc_sync_flushes_total{bucket="annotations",outcome="committed"} 2\n');
    expect(text).toContain('dvc_sync_flushes_total{bucket="annotations",outcome="nothing-to-commit"} 1\n');
    expect(text).toContain('dvc_sync_flushes_total{bucket="annotations",outcome="failed"} 1\n');
    expect(text).toContain('dvc_sync_dvc_uploaded_objects_total{bucket="annotations"} 5\n');
    expect(text).toContain('dvc_sync_rebases_total{bucket="annotations"} 1\n');
    expect(text).toContain('dvc_sync_flush_duration_seconds_sum{bucket="annotations",outcome="committed"} 1.5\n');
    expect(text).toContain(
      'dvc_sync_flush_duration_seconds_bucket{le="0.05",bucket="annotations",outcome="failed"} 1\n',
    );
  });

  it('shows every outcome at 0 before the first flush, and never-synced as timestamp 0', async () => {
    const text = await metricsOf(fakeSync(0, null)).render();
    for (const outcome of ['committed', 'nothing-to-commit', 'failed'])
      expect(text).toContain(`dvc_sync_flushes_total{bucket="annotations",outcome="${outcome}"} 0\n`);
    expect(text).toContain('dvc_sync_last_success_timestamp_seconds{bucket="annotations"} 0\n');
  });

  it('reads pending changes and the last sync on each scrape', async () => {
    const text = await metricsOf(fakeSync(7, '2024-05-01T12:00:00.000Z')).render();
    expect(text).toContain('dvc_sync_pending_changes{bucket="annotations"} 7\n');
    expect(text).toContain('dvc_sync_last_success_timestamp_seconds{bucket="annotations"} 1714564800\n');
  });

  it('keeps apps apart: each registry counts only its own flushes', async () => {
    const [a, b] = [fakeSync(0, null), fakeSync(0, null)];
    const [registryA, registryB] = [metricsOf(a), metricsOf(b)];
    a.events.emit('flush-failed', { durationMs: 1 });
    expect(await registryA.render()).toContain('dvc_sync_flushes_total{bucket="annotations",outcome="failed"} 1\n');
    expect(await registryB.render()).toContain('dvc_sync_flushes_total{bucket="annotations",outcome="failed"} 0\n');
  });

  it('labels every series with its project: one project failing shows on its bucket only', async () => {
    const [sentiment, ner] = [fakeSync(3, null, 'sentiment', 12), fakeSync(0, '2024-05-01T12:00:00.000Z', 'ner', 0)];
    const registry = metricsOf(sentiment, ner);
    sentiment.events.emit('flush-failed', { durationMs: 1 });
    ner.events.emit('flushed', summary({ commit: 'c0ffee', uploadedObjects: 2 }));

    const text = await registry.render();
    expect(text).toContain('dvc_sync_flushes_total{bucket="sentiment",outcome="failed"} 1\n');
    expect(text).toContain('dvc_sync_flushes_total{bucket="ner",outcome="failed"} 0\n');
    expect(text).toContain('dvc_sync_flushes_total{bucket="ner",outcome="committed"} 1\n');
    expect(text).toContain('dvc_sync_dvc_uploaded_objects_total{bucket="ner"} 2\n');
    expect(text).toContain('dvc_sync_pending_changes{bucket="sentiment"} 3\n');
    expect(text).toContain('dvc_sync_pending_changes{bucket="ner"} 0\n');
    expect(text).toContain('dvc_sync_last_success_timestamp_seconds{bucket="ner"} 1714564800\n');
    expect(text).toContain('dvc_sync_stored_objects{bucket="sentiment"} 12\n');
    expect(text).toContain('dvc_sync_stored_objects{bucket="ner"} 0\n');
  });
});
