import { Module } from '@nestjs/common';
import { StorageModule } from '../storage/storage.module.js';
import { SyncModule } from '../sync/sync.module.js';
import { AdminTokenGuard } from './admin-token.guard.js';
import { HealthController } from './health.controller.js';
import { SyncController } from './sync.controller.js';

/** JSON admin API under /_admin/ (an invalid S3 bucket name, so it never collides with S3 paths). */
@Module({
  imports: [StorageModule, SyncModule],
  controllers: [HealthController, SyncController],
  providers: [AdminTokenGuard],
})
export class AdminModule {}
