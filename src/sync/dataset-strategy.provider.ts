import type { Provider } from '@nestjs/common';
import { DatasetService } from '../dataset/dataset.service.js';
import { StorageBackend } from '../storage/storage.backend.js';
import { DirectoryStrategy } from './directory.strategy.js';
import { SyncStateStore } from './sync-state.store.js';
import { TaskFileStrategy } from './task-file.strategy.js';

export const DATASET_STRATEGY = Symbol('DATASET_STRATEGY');

/** The layout chosen by DVC_DATASET_PATH: a directory mirror, or one JSON/JSONL task file. */
export const datasetStrategyProvider: Provider = {
  provide: DATASET_STRATEGY,
  inject: [DatasetService, StorageBackend, SyncStateStore],
  useFactory: (dataset: DatasetService, storage: StorageBackend, state: SyncStateStore) =>
    dataset.layout === 'directory'
      ? new DirectoryStrategy(storage)
      : new TaskFileStrategy(dataset.layout, storage, state),
};
