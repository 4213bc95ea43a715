import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { dvcConfig } from '../config/configuration.js';
import { buildCommitMessage } from './commit-message.builder.js';
import { datasetLayout } from './dataset.layout.js';
import type { DatasetLayoutKind } from './dataset.types.js';
import type { DatasetDiff } from './manifest.changes.js';

/**
 * The configured dataset (DVC_DATASET_PATH): its path, its layout kind and its commit messages. The layouts
 * themselves (directory.layout.ts, task-file.layout.ts) are built by the sync loop for its pipeline.
 */
@Injectable()
export class DatasetService {
  readonly path: string;
  readonly layout: DatasetLayoutKind;

  constructor(@Inject(dvcConfig.KEY) config: ConfigType<typeof dvcConfig>) {
    this.path = config.datasetPath;
    this.layout = datasetLayout(config.datasetPath);
  }

  commitMessage(diff: DatasetDiff): string {
    return buildCommitMessage(this.path, diff);
  }
}
