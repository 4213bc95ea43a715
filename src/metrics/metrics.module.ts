import { Global, Module } from '@nestjs/common';
import { S3RequestRecorder } from '../s3/http/s3-request.recorder.js';
import { SyncModule } from '../sync/sync.module.js';
import { MetricsRegistry } from './metrics.registry.js';
import { PutRequestWindow } from './put-request.window.js';
import { S3RequestMetrics } from './s3-request.metrics.js';
import { SyncMetrics } from './sync.metrics.js';

/**
 * Prometheus metrics (served by the admin module at GET /_admin/metrics). Global only so the S3 module finds
 * the S3RequestRecorder it injects optionally without importing, or knowing about, this module; the sync
 * engine is observed through SyncService.events and its public reads.
 */
@Global()
@Module({
  imports: [SyncModule],
  providers: [
    MetricsRegistry,
    SyncMetrics,
    PutRequestWindow,
    { provide: S3RequestRecorder, useClass: S3RequestMetrics },
  ],
  exports: [MetricsRegistry, S3RequestRecorder, PutRequestWindow],
})
export class MetricsModule {}
