import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { dvcConfig } from '../config/configuration.js';
import { buildCommitMessage } from './commit-message.builder.js';
import { datasetLayout } from './dataset.layout.js';
import type { DatasetLayout } from './dataset.types.js';
import type { DatasetDiff } from './manifest.changes.js';
import { TaskFileIndex } from './task-file.index.js';

/**
 * The configured dataset (DVC_DATASET_PATH) and what depends on it. Everything else in this module is a
 * pure function the sync engine calls directly.
 */
@Injectable()
export class DatasetService {
  readonly path: string;
  readonly layout: DatasetLayout;

  constructor(@Inject(dvcConfig.KEY) config: ConfigType<typeof dvcConfig>) {
    this.path = config.datasetPath;
    this.layout = datasetLayout(config.datasetPath);
  }

  /** A fresh incremental builder for the JSON/JSONL layouts. */
  createTaskFileIndex(): TaskFileIndex {
    if (this.layout === 'directory') throw new Error(`${this.path} is a directory dataset: it has no task file`);
    return new TaskFileIndex(this.layout);
  }

  commitMessage(diff: DatasetDiff): string {
    return buildCommitMessage(this.path, diff);
  }
}
