import type { DvcRemote } from '../dvc/dvc.remote.js';
import type { GitRemote } from '../git/git.remote.js';
import type { FlushSummary } from './sync-status.types.js';

/** Where a pipeline pushes: its Git remote, and the DVC remote its branch named at the last look (if any yet). */
export interface PipelineTarget {
  git: GitRemote;
  dvc: DvcRemote | undefined;
}

/** What a pipeline tells about itself, for logs and status: never a credential. */
export interface PipelineDescription {
  repository: string;
  branch: string;
  dataset: string;
  layout: 'json' | 'jsonl' | 'directory';
  remote: string | null;
}

/**
 * One project's flush pipeline, whatever its dataset layout (DI token; `FlushRunner<T>` implements it for the
 * layout's item type). The sync loop schedules it; health probes its target.
 */
export abstract class FlushPipeline {
  abstract describe(): PipelineDescription;
  abstract target(): PipelineTarget;
  /**
   * Reads the branch and resolves its DVC remote: at startup, so that settings that cannot work (DvcConfigError)
   * stop the service with their reason.
   */
  abstract checkTarget(): Promise<void>;
  /**
   * Loads, in the background after startup, what the first flush would otherwise read and rebuild before it can
   * start (the last push from the sync state, the layout's derived data): at 100,000 files ~0.5 s of work that the
   * first flush after a restart paid inside its own time (bench/results/flush-gc.md); and the DVC remote's settling
   * after a predecessor (bench/results/restart-settle.md). Never fails: a flush does whatever this could not.
   */
  abstract prepare(): Promise<void>;
  /** One flush of everything acknowledged so far (after `prepare`, if one runs). */
  abstract run(): Promise<FlushSummary>;
}
