import { Module } from '@nestjs/common';
import { dataDirLayout } from '../config/data-dir.layout.js';
import type { ConfigType } from '@nestjs/config';
import { crashCheckpoint } from '../common/crash.checkpoint.js';
import { gitConfig, storageConfig, testingConfig } from '../config/configuration.js';
import { GitRemote } from './git.remote.js';
import { HttpGitRemote } from './http-git.remote.js';
import { LocalBareGitRemote } from './local-bare-git.remote.js';

/**
 * GIT_REPO_URL set: the team's repository over https, with a shallow cache in DATA_DIR/git.
 * Unset: the embedded bare repository DATA_DIR/repo.git, whose first commit names DATA_DIR/dvc-remote
 * as the DVC remote.
 */
export function createGitRemote(
  git: ConfigType<typeof gitConfig>,
  storage: ConfigType<typeof storageConfig>,
  testing: ConfigType<typeof testingConfig> = { crashAfter: undefined },
): GitRemote {
  const author = { name: git.authorName, email: git.authorEmail };
  const checkpoint = crashCheckpoint(testing.crashAfter);
  if (git.repoUrl) {
    return new HttpGitRemote({
      repoUrl: git.repoUrl,
      branch: git.branch,
      baseBranch: git.baseBranch,
      username: git.username,
      token: git.token,
      author,
      cacheDir: dataDirLayout(storage.dataDir).gitCache,
      timeoutMs: git.httpTimeoutMs,
      checkpoint,
    });
  }
  return new LocalBareGitRemote({
    repoDir: dataDirLayout(storage.dataDir).embeddedRepo,
    dvcRemoteDir: dataDirLayout(storage.dataDir).embeddedDvcRemote,
    branch: git.branch,
    baseBranch: git.baseBranch,
    author,
    checkpoint,
  });
}

@Module({
  providers: [
    { provide: GitRemote, inject: [gitConfig.KEY, storageConfig.KEY, testingConfig.KEY], useFactory: createGitRemote },
  ],
  exports: [GitRemote],
})
export class GitModule {}
