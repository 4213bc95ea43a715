import { buildCommitMessage } from './commit-message.builder.js';
import { datasetLayout } from './dataset.layout.js';
import type { DatasetLayoutKind } from './dataset.types.js';
import type { DatasetDiff } from './manifest.changes.js';

/**
 * A project's dataset (DVC_DATASET_PATH, or `dataset` in the projects file): its path, its layout kind and its commit messages. The layouts
 * themselves (directory.layout.ts, task-file.layout.ts) are built by the sync loop for its pipeline.
 */
export class DatasetService {
  readonly path: string;
  readonly layout: DatasetLayoutKind;

  constructor(config: { datasetPath: string }) {
    this.path = config.datasetPath;
    this.layout = datasetLayout(config.datasetPath);
  }

  commitMessage(diff: DatasetDiff): string {
    return buildCommitMessage(this.path, diff);
  }
}
