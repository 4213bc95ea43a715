import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { SyncModule } from '../sync/sync.module.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';
import { RemoteHealthProbe } from './remote-health.probe.js';
import { SyncController } from './sync.controller.js';

/** JSON admin API under /_admin/ (an invalid S3 bucket name, so it never collides with S3 paths). */
@Module({
  imports: [StorageModule, SyncModule, MetricsModule],
  controllers: [HealthController, SyncController, MetricsController],
  providers: [AdminTokenGuard, RemoteHealthProbe],
})
export class AdminModule {}
