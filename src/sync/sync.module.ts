import { Module } from '@nestjs/common';
import { DatasetModule } from '../dataset/dataset.module.js';
import { DvcModule } from '../dvc/dvc.module.js';
import { GitModule } from '../git/git.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { flushPipelineProvider } from './flush-pipeline.provider.js';
import { FlushPipeline } from './flush.pipeline.js';
import { SyncService } from './sync.service.js';
import { SyncStateStore } from './sync-state.store.js';

/**
 * The loop: pending changes → the dataset layout → DVC push → commit + git push → record, on a schedule, one flight
 * at a time, with retry and backoff; and the sync status.
 */
@Module({
  imports: [StorageModule, DatasetModule, DvcModule, GitModule],
  providers: [SyncStateStore, flushPipelineProvider, SyncService],
  exports: [SyncService, SyncStateStore, FlushPipeline],
})
export class SyncModule {}
