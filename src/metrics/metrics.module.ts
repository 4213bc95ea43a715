import { Global, Module } from '@nestjs/common';
import { S3RequestRecorder } from '../s3/http/s3-request.recorder.js';
import { MetricsRegistry } from './metrics.registry.js';
import { PutRequestWindow } from './put-request.window.js';
import { S3RequestMetrics } from './s3-request.metrics.js';
import { SyncMetrics } from './sync.metrics.js';

/**
 * Prometheus metrics (served by the admin module at GET /_admin/metrics). Global only so the S3 module finds
 * the S3RequestRecorder it injects optionally without importing, or knowing about, this module; each
 * project's sync loop is observed through its events and public reads (the projects registry).
 */
@Global()
@Module({
  providers: [
    MetricsRegistry,
    SyncMetrics,
    PutRequestWindow,
    { provide: S3RequestRecorder, useClass: S3RequestMetrics },
  ],
  exports: [MetricsRegistry, S3RequestRecorder, PutRequestWindow],
})
export class MetricsModule {}
