import { Injectable } from '@nestjs/common';
import type { RemoteHealth } from '../dvc/dvc.remote.js';
import { FlushPipeline } from '../sync/flush.pipeline.js';

const TTL_MS = 15_000;

export interface RemotesHealth {
  git: RemoteHealth & { url: string; branch: string };
  dvcRemote: RemoteHealth & { remote: string | null };
}

/**
 * Reachability of the Git and DVC remotes for /_admin/health. Cached briefly: the endpoint is open and polled
 * (Docker every 30 s), and each check is an authenticated request to the team's servers.
 */
@Injectable()
export class RemoteHealthProbe {
  private last: { at: number; result: Promise<RemotesHealth> } | null = null;

  constructor(private readonly pipeline: FlushPipeline) {}

  check(): Promise<RemotesHealth> {
    const now = Date.now();
    if (!this.last || now - this.last.at > TTL_MS) this.last = { at: now, result: this.probe() };
    return this.last.result;
  }

  private async probe(): Promise<RemotesHealth> {
    const { git, dvc } = this.pipeline.target();
    const [gitHealth, dvcHealth] = await Promise.all([
      git.check(),
      dvc
        ? dvc.check()
        : { ok: false, error: 'not resolved yet: the Git branch has not been read (see lastError in /_admin/sync)' },
    ]);
    const { url, branch } = git.describe();
    return { git: { ...gitHealth, url, branch }, dvcRemote: { ...dvcHealth, remote: dvc?.describe() ?? null } };
  }
}
