import { Module } from '@nestjs/common';
import { DatasetModule } from '../dataset/dataset.module.js';
import { DvcModule } from '../dvc/dvc.module.js';
import { GitModule } from '../git/git.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { datasetStrategyProvider } from './dataset-strategy.provider.js';
import { FlushRunner } from './flush.runner.js';
import { SyncService } from './sync.service.js';
import { SyncStateStore } from './sync-state.store.js';

/** Pending changes → batched commits: the scheduled job, single-flight flush, rebase/merge, status. */
@Module({
  imports: [StorageModule, DatasetModule, DvcModule, GitModule],
  providers: [SyncStateStore, FlushRunner, SyncService, datasetStrategyProvider],
  exports: [SyncService, SyncStateStore],
})
export class SyncModule {}
