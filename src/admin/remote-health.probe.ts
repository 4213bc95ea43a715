import { Injectable } from '@nestjs/common';
import type { RemoteHealth } from '../dvc/dvc.remote.js';
import type { FlushPipeline } from '../sync/flush.pipeline.js';

const TTL_MS = 15_000;

export interface RemotesHealth {
  git: RemoteHealth & { url: string; branch: string };
  dvcRemote: RemoteHealth & { remote: string | null };
}

/**
 * Reachability of each project's Git and DVC remotes for /_admin/health. Cached briefly per project: the endpoint
 * is open and polled (Docker every 30 s), and each check is an authenticated request to the team's servers.
 */
@Injectable()
export class RemoteHealthProbe {
  private readonly last = new Map<string, { at: number; result: Promise<RemotesHealth> }>();

  check(project: { bucket: string; pipeline: FlushPipeline }): Promise<RemotesHealth> {
    const now = Date.now();
    let last = this.last.get(project.bucket);
    if (!last || now - last.at > TTL_MS) {
      last = { at: now, result: probe(project.pipeline) };
      this.last.set(project.bucket, last);
    }
    return last.result;
  }
}

async function probe(pipeline: FlushPipeline): Promise<RemotesHealth> {
  const { git, dvc } = pipeline.target();
  const [gitHealth, dvcHealth] = await Promise.all([
    git.check(),
    dvc
      ? dvc.check()
      : { ok: false, error: 'not resolved yet: the Git branch has not been read (see lastError in /_admin/sync)' },
  ]);
  const { url, branch } = git.describe();
  return { git: { ...gitHealth, url, branch }, dvcRemote: { ...dvcHealth, remote: dvc?.describe() ?? null } };
}
