import type { MinuteStats } from '../metrics/minute.window.js';
import type { FlushSummary, SyncStatus } from '../sync/sync-status.types.js';
import type { RemotesHealth } from './remote-health.probe.js';

/** One project on the status page: its bucket, repository and DVC remote, each with a section of its own. */
export interface ProjectStatusView {
  /** The bucket Label Studio writes to. */
  name: string;
  sync: SyncStatus;
  /** The last commits, newest first. */
  commits: FlushSummary[];
  /** Null while the probe of the remotes has not answered (shown as "checking"). */
  remotes: RemotesHealth | null;
  /** What to do about `sync.lastError`; null when there is none. */
  advice: string | null;
  /** PutObject requests per minute, oldest first. */
  puts: MinuteStats[];
}

export interface StatusPageModel {
  /** When the page was rendered (ms since the epoch): times are shown relative to it. */
  now: number;
  refreshSeconds: number;
  /** A session cookie is in use: the page offers to log out. */
  loggedIn: boolean;
  projects: ProjectStatusView[];
}
