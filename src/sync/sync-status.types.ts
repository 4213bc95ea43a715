/** A bucket that also holds media (Source storage) would list thousands: the status keeps a sample and the count. */
export const REJECTED_SHOWN = 100;

/** The status page lists this many of the last commits (kept in the sync state, oldest dropped first). */
export const COMMIT_HISTORY_KEPT = 20;

/** One project's entry of `GET /_admin/sync`. Never holds a secret: URLs are shown without credentials. */
export interface SyncStatus {
  /** The project's bucket: whose status this is. */
  bucket: string;
  /** Changes acknowledged by the S3 API and not yet in a pushed commit. */
  pending: number;
  running: boolean;
  lastCommit: string | null;
  lastSyncAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  consecutiveFailures: number;
  nextRetryAt: string | null;
  branch: string;
  repository: string;
  dataset: string;
  layout: 'json' | 'jsonl' | 'directory';
  remote: string | null;
  /** Objects left out of a JSON/JSONL dataset because they are not Label Studio JSON (they stay in storage). */
  rejected: Array<{ key: string; reason: string }>;
  /** How many objects are rejected in all; `rejected` lists the first 100 (in key order). */
  rejectedCount: number;
  lastFlush: FlushSummary | null;
  /** Can DATA_DIR take writes now (false e.g. while its disk is full: then S3 writes are refused, flushes wait)? */
  storage: { ok: boolean; error?: string };
}

export interface FlushSummary {
  commit: string | null;
  added: number;
  updated: number;
  deleted: number;
  uploadedObjects: number;
  rebases: number;
  merged: boolean;
  durationMs: number;
  finishedAt: string;
}

/** What `POST /_admin/sync` tells of each project: its status after the flush, and how that flush ended. */
export interface FlushedStatus extends SyncStatus {
  /** `failed`: the reason is `lastError`; the changes stay pending and the schedule retries with backoff. */
  outcome: 'flushed' | 'failed';
}
