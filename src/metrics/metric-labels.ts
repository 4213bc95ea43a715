import type { S3Operation } from '../s3/routing/s3-operation.router.js';
import type { FlushSummary } from '../sync/sync-status.types.js';

export const FLUSH_OUTCOMES = ['committed', 'nothing-to-commit', 'failed'] as const;
export type FlushOutcome = (typeof FLUSH_OUTCOMES)[number];

/** A flush that finished: it made a commit, or the branch already had the dataset as storage holds it. */
export function flushOutcome(summary: Pick<FlushSummary, 'commit'>): Exclude<FlushOutcome, 'failed'> {
  return summary.commit ? 'committed' : 'nothing-to-commit';
}

/** AWS's operation name; `Unknown` for what was answered before it named one (preflight, unsupported request). */
export function operationLabel(operation: S3Operation | undefined): string {
  return operation ?? 'Unknown';
}

/** An ISO timestamp as Prometheus timestamps go (Unix seconds); 0 for never, as the *_timestamp_seconds convention has it. */
export function unixSeconds(iso: string | null): number {
  const ms = iso === null ? NaN : Date.parse(iso);
  return Number.isNaN(ms) ? 0 : ms / 1000;
}
