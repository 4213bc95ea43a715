import { Injectable } from '@nestjs/common';
import { PutRequestWindow } from '../metrics/put-request.window.js';
import type { ProjectRuntime } from '../projects/project.runtime.js';
import { ProjectsRegistry } from '../projects/projects.registry.js';
import { RemoteHealthProbe } from './remote-health.probe.js';
import type { RemotesHealth } from './remote-health.probe.js';
import type { ProjectStatusView } from './status-page.model.js';
import { syncErrorAdvice } from './sync-error.advice.js';

/**
 * How long the page waits for the remotes' probe. An unreachable host can take a TCP timeout to fail: the page
 * shows "checking" rather than hang, and the probe (cached by RemoteHealthProbe) is ready at the next refresh.
 */
const REMOTES_WAIT_MS = 2_000;

/** Gathers what the status page shows of each project, from its sync loop, its state and the metrics. */
@Injectable()
export class StatusPageService {
  constructor(
    private readonly projects: ProjectsRegistry,
    private readonly probe: RemoteHealthProbe,
    private readonly puts: PutRequestWindow,
  ) {}

  projectViews(): Promise<ProjectStatusView[]> {
    return Promise.all(this.projects.all().map((project) => this.view(project)));
  }

  private async view(project: ProjectRuntime): Promise<ProjectStatusView> {
    const [sync, remotes] = await Promise.all([project.sync.status(), this.remotes(project)]);
    return {
      name: project.bucket,
      sync,
      commits: project.state.recentCommits(),
      remotes,
      advice: sync.lastError ? syncErrorAdvice(sync.lastError) : null,
      puts: this.puts.minutes(project.bucket),
    };
  }

  private async remotes(project: ProjectRuntime): Promise<RemotesHealth | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), REMOTES_WAIT_MS)));
    try {
      // A probe that throws (rather than reporting `ok: false`) shows as "checking", never as a broken page.
      return await Promise.race([this.probe.check(project).catch(() => null), late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
