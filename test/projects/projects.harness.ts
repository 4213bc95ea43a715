import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SyncStatus } from '../../src/sync/sync-status.types.js';
import { tempRoot } from '../dvc/dvc-repo.harness.js';
import { startFaultProxy, type FaultProxy } from '../reliability/harness/fault-proxy.js';
import { git, pushCommit, startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';
import type { RunningService } from '../support/service.js';
import { projectsStatus, type ProjectsStatus } from '../sync/harness/admin-client.js';
import { createDvcRepo, dvcConfigText } from '../sync/harness/team-repo.js';

/**
 * The world of many-projects.e2e-spec.ts: one team repository on a real `git http-backend` over authenticated
 * HTTP, reached by one project directly and by another through a fault proxy (that project's route to the
 * server, which the test can break alone), and a projects file naming three buckets with their own keys.
 */

export const TEAM_USER = 'sync-bot';

/** One project's S3 key pair; the secret reaches the service only through `${<secretVariable>}` in the file. */
export interface ProjectKeys {
  accessKeyId: string;
  secretAccessKey: string;
  secretVariable: string;
}

export function projectKeys(accessKeyId: string, secretVariable: string): ProjectKeys {
  // base64 gives '/' and '+', as real AWS secrets have.
  return { accessKeyId, secretAccessKey: randomBytes(30).toString('base64'), secretVariable };
}

export interface TeamGit {
  /** The bare repository on the server (read with the git CLI, never through the server: no deadlock). */
  bare: string;
  /** The folder DVC remote its `.dvc/config` names: what the service pushes to and `dvc pull` reads. */
  dvcStore: string;
  token: string;
  server: GitHttpServer;
  /** The route one project takes to the same server: `set()` a fault to break that project's git only. */
  brokenRoute: FaultProxy;
  /** The repository's URL directly, and through `brokenRoute`. */
  directUrl: string;
  routedUrl: string;
  stop(): Promise<void>;
}

/**
 * `team.git`: `main` holds DVC's skeleton (a folder remote) and the team's code; `labels` branches off it (an
 * existing branch); any other branch is created by the service from `main`.
 */
export async function startTeamGit(): Promise<TeamGit> {
  const root = tempRoot('projects-git');
  const dvcStore = join(tempRoot('projects-dvc'), 'store');
  const bare = createDvcRepo(root, 'team', dvcConfigText(dvcStore));
  pushCommit(bare, 'main', { 'src/train.py': 'print("train")\n' }, 'Training code');
  git(bare, 'branch', 'labels', 'main');
  const token = `team-token-${randomBytes(8).toString('hex')}`;
  const server = await startGitHttpServer({ root, username: TEAM_USER, password: token });
  const directUrl = server.url('team.git');
  const brokenRoute = await startFaultProxy(Number(new URL(directUrl).port));
  return {
    bare,
    dvcStore,
    token,
    server,
    brokenRoute,
    directUrl,
    routedUrl: `${brokenRoute.endpoint}/team.git`,
    stop: async () => {
      await brokenRoute.stop();
      await server.stop();
    },
  };
}

/** Writes `text` as `projects.yaml` in a fresh folder; returns its path (PROJECTS_FILE). */
export function writeProjectsFile(text: string): string {
  const file = join(tempRoot('projects-file'), 'projects.yaml');
  writeFileSync(file, text);
  return file;
}

/** POST /_admin/sync: flushes every project, answers when all are done (one project: admin-client's `flush`). */
export const flushAll = (service: RunningService) => projectsStatus(service, 'POST');
/** The entry of `bucket` (throws, with what there is, when it is missing). */
export function entryOf(status: ProjectsStatus, bucket: string): SyncStatus {
  const entry = status.projects?.find((project) => project.bucket === bucket);
  if (!entry) throw new Error(`no project "${bucket}" in ${JSON.stringify(status).slice(0, 2000)}`);
  return entry;
}
