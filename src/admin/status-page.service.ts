import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { s3Config } from '../config/configuration.js';
import { PutRequestWindow } from '../metrics/put-request.window.js';
import { SyncStateStore } from '../sync/sync-state.store.js';
import { SyncService } from '../sync/sync.service.js';
import { RemoteHealthProbe } from './remote-health.probe.js';
import type { RemotesHealth } from './remote-health.probe.js';
import type { ProjectStatusView } from './status-page.model.js';
import { syncErrorAdvice } from './sync-error.advice.js';

/**
 * How long the page waits for the remotes' probe. An unreachable host can take a TCP timeout to fail: the page
 * shows "checking" rather than hang, and the probe (cached by RemoteHealthProbe) is ready at the next refresh.
 */
const REMOTES_WAIT_MS = 2_000;

/** Gathers what the status page shows, from the sync engine, its state and the metrics. */
@Injectable()
export class StatusPageService {
  constructor(
    private readonly sync: SyncService,
    private readonly probe: RemoteHealthProbe,
    private readonly state: SyncStateStore,
    private readonly puts: PutRequestWindow,
    @Inject(s3Config.KEY) private readonly s3: ConfigType<typeof s3Config>,
  ) {}

  async projects(): Promise<ProjectStatusView[]> {
    const [sync, remotes] = await Promise.all([this.sync.status(), this.remotes()]);
    return [
      {
        name: this.s3.bucket,
        sync,
        commits: this.state.recentCommits(),
        remotes,
        advice: sync.lastError ? syncErrorAdvice(sync.lastError) : null,
        puts: this.puts.minutes(),
      },
    ];
  }

  private async remotes(): Promise<RemotesHealth | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), REMOTES_WAIT_MS)));
    try {
      // A probe that throws (rather than reporting `ok: false`) shows as "checking", never as a broken page.
      return await Promise.race([this.probe.check().catch(() => null), late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
