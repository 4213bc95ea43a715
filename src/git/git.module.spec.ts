import { afterEach, describe, expect, it } from '@jest/globals';
import { ConfigModule } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { gitConfig, storageConfig, testingConfig } from '../config/configuration.js';
import { GitRemote } from './git.remote.js';
import { createGitRemote, GitModule } from './git.module.js';

const git = (over: Partial<ReturnType<typeof gitConfig>> = {}): ReturnType<typeof gitConfig> => ({
  repoUrl: undefined,
  branch: 'main',
  baseBranch: undefined,
  username: undefined,
  token: undefined,
  authorName: 'DVC Sync',
  authorEmail: 'sync@example.com',
  httpTimeoutMs: 60_000,
  ...over,
});

describe('createGitRemote', () => {
  it.each([
    [git(), { url: '/srv/data/repo.git', branch: 'main', embedded: true }],
    [
      git({ repoUrl: 'https://bot:ghp_SECRET@github.com/team/data.git', branch: 'labels' }),
      { url: 'https://github.com/team/data.git', branch: 'labels', embedded: false },
    ],
  ])('%#: GIT_REPO_URL picks the team repository, else the embedded one', (config, description) => {
    expect(createGitRemote(config, { dataDir: '/srv/data' }).describe()).toEqual(description);
  });
});

describe('GitModule', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('provides the GitRemote token from the validated configuration', async () => {
    process.env.DATA_DIR = '/srv/data';
    process.env.GIT_BRANCH = 'datasets';
    delete process.env.GIT_REPO_URL;
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [gitConfig, storageConfig, testingConfig] }),
        GitModule,
      ],
    }).compile();
    expect(moduleRef.get(GitRemote).describe()).toEqual({
      url: '/srv/data/repo.git',
      branch: 'datasets',
      embedded: true,
    });
  });
});
