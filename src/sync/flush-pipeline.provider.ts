import type { Provider } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { crashCheckpoint } from '../common/crash.checkpoint.js';
import { testingConfig } from '../config/configuration.js';
import { DatasetService } from '../dataset/dataset.service.js';
import { DirectoryLayout } from '../dataset/directory.layout.js';
import { TaskFileLayout } from '../dataset/task-file.layout.js';
import { DvcRemotes } from '../dvc/dvc-remotes.port.js';
import { GitRemote } from '../git/git.remote.js';
import { StorageBackend } from '../storage/storage.backend.js';
import { FlushPipeline } from './flush.pipeline.js';
import { FlushRunner, type PipelineParts } from './flush.runner.js';
import { SyncStateStore } from './sync-state.store.js';

/** The pipeline of the configured dataset, typed by its layout: a directory mirror, or one JSON/JSONL task file. */
export function createFlushPipeline(parts: PipelineParts): FlushPipeline {
  const kind = parts.dataset.layout;
  return kind === 'directory'
    ? new FlushRunner(new DirectoryLayout(), parts)
    : new FlushRunner(new TaskFileLayout(kind), parts);
}

export const flushPipelineProvider: Provider = {
  provide: FlushPipeline,
  inject: [StorageBackend, SyncStateStore, GitRemote, DvcRemotes, DatasetService, testingConfig.KEY],
  useFactory: (
    storage: StorageBackend,
    state: SyncStateStore,
    git: GitRemote,
    remotes: DvcRemotes,
    dataset: DatasetService,
    testing: ConfigType<typeof testingConfig>,
  ): FlushPipeline =>
    createFlushPipeline({ storage, state, git, remotes, dataset, checkpoint: crashCheckpoint(testing.crashAfter) }),
};
