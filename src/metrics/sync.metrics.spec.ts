import { describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { FlushSummary } from '../sync/sync-status.types.js';
import type { SyncEvents, SyncService } from '../sync/sync.service.js';
import { MetricsRegistry } from './metrics.registry.js';
import { SyncMetrics } from './sync.metrics.js';

/** The part of SyncService that metrics read: its events and two public reads. */
function fakeSync(pending: number, lastSyncAt: string | null) {
  return { events: new EventEmitter<SyncEvents>(), pending: async () => pending, status: async () => ({ lastSyncAt }) };
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

function metricsOf(sync: ReturnType<typeof fakeSync>): MetricsRegistry {
  const registry = new MetricsRegistry();
  new SyncMetrics(registry, sync as unknown as SyncService).onModuleInit();
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
    expect(text).toContain('dvc_sync_flushes_total{outcome="committed"} 2\n');
    expect(text).toContain('dvc_sync_flushes_total{outcome="nothing-to-commit"} 1\n');
    expect(text).toContain('dvc_sync_flushes_total{outcome="failed"} 1\n');
    expect(text).toContain('dvc_sync_dvc_uploaded_objects_total 5\n');
    expect(text).toContain('dvc_sync_rebases_total 1\n');
    expect(text).toContain('dvc_sync_flush_duration_seconds_sum{outcome="committed"} 1.5\n');
    expect(text).toContain('dvc_sync_flush_duration_seconds_bucket{le="0.05",outcome="failed"} 1\n');
  });

  it('shows every outcome at 0 before the first flush, and never-synced as timestamp 0', async () => {
    const text = await metricsOf(fakeSync(0, null)).render();
    for (const outcome of ['committed', 'nothing-to-commit', 'failed'])
      expect(text).toContain(`dvc_sync_flushes_total{outcome="${outcome}"} 0\n`);
    expect(text).toContain('dvc_sync_last_success_timestamp_seconds 0\n');
  });

  it('reads pending changes and the last sync on each scrape', async () => {
    const text = await metricsOf(fakeSync(7, '2024-05-01T12:00:00.000Z')).render();
    expect(text).toContain('dvc_sync_pending_changes 7\n');
    expect(text).toContain('dvc_sync_last_success_timestamp_seconds 1714564800\n');
  });

  it('keeps apps apart: each registry counts only its own flushes', async () => {
    const [a, b] = [fakeSync(0, null), fakeSync(0, null)];
    const [registryA, registryB] = [metricsOf(a), metricsOf(b)];
    a.events.emit('flush-failed', { durationMs: 1 });
    expect(await registryA.render()).toContain('dvc_sync_flushes_total{outcome="failed"} 1\n');
    expect(await registryB.render()).toContain('dvc_sync_flushes_total{outcome="failed"} 0\n');
  });
});
