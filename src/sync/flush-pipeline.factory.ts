import { DirectoryLayout } from '../dataset/directory.layout.js';
import { TaskFileLayout } from '../dataset/task-file.layout.js';
import type { FlushPipeline } from './flush.pipeline.js';
import { FlushRunner, type PipelineParts } from './flush.runner.js';

/** The pipeline of a project's dataset, typed by its layout: a directory mirror, or one JSON/JSONL task file. */
export function createFlushPipeline(parts: PipelineParts): FlushPipeline {
  const kind = parts.dataset.layout;
  return kind === 'directory'
    ? new FlushRunner(new DirectoryLayout(), parts)
    : new FlushRunner(new TaskFileLayout(kind), parts);
}
