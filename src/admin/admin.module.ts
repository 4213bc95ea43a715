import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module.js';
import { AdminAuth } from './admin-auth.service.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { CommitHistoryRecorder } from './commit-history.recorder.js';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';
import { OpenApiController } from './openapi.controller.js';
import { RemoteHealthProbe } from './remote-health.probe.js';
import { StatusPageController } from './status-page.controller.js';
import { StatusPageService } from './status-page.service.js';
import { SyncController } from './sync.controller.js';

/** Admin API and status page under /_admin/ (an invalid S3 bucket name, so it never collides with S3 paths). */
@Module({
  imports: [MetricsModule],
  controllers: [HealthController, SyncController, MetricsController, StatusPageController, OpenApiController],
  providers: [AdminAuth, AdminTokenGuard, RemoteHealthProbe, StatusPageService, CommitHistoryRecorder],
})
export class AdminModule {}
