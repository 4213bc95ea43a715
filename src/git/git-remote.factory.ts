import { noCheckpoint, type Checkpoint } from '../common/crash.checkpoint.js';
import { dataDirLayout } from '../config/data-dir.layout.js';
import type { ProjectGitSettings } from '../config/project.settings.js';
import { GitRemote } from './git.remote.js';
import { HttpGitRemote } from './http-git.remote.js';
import { LocalBareGitRemote } from './local-bare-git.remote.js';

/**
 * A project's repository. `repoUrl` set: the team's repository over https, with a shallow cache in the project's
 * `git/`. Unset: the project's own embedded bare repository `repo.git`, whose first commit names the project's
 * `dvc-remote/` as the DVC remote.
 */
export function createGitRemote(
  git: ProjectGitSettings,
  project: { dataDir: string },
  checkpoint: Checkpoint = noCheckpoint,
): GitRemote {
  const author = { name: git.authorName, email: git.authorEmail };
  const paths = dataDirLayout(project.dataDir);
  if (git.repoUrl) {
    return new HttpGitRemote({
      repoUrl: git.repoUrl,
      branch: git.branch,
      baseBranch: git.baseBranch,
      username: git.username,
      token: git.token,
      author,
      cacheDir: paths.gitCache,
      timeoutMs: git.httpTimeoutMs,
      checkpoint,
    });
  }
  return new LocalBareGitRemote({
    repoDir: paths.embeddedRepo,
    dvcRemoteDir: paths.embeddedDvcRemote,
    branch: git.branch,
    baseBranch: git.baseBranch,
    author,
    checkpoint,
  });
}
