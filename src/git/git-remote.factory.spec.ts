import { describe, expect, it } from '@jest/globals';
import type { ProjectGitSettings } from '../config/project.settings.js';
import { createGitRemote } from './git-remote.factory.js';

const git = (over: Partial<ProjectGitSettings> = {}): ProjectGitSettings => ({
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
    [git(), '/srv/data', { url: '/srv/data/repo.git', branch: 'main', embedded: true }],
    [
      git({ branch: 'datasets' }),
      '/srv/data/projects/ner',
      { url: '/srv/data/projects/ner/repo.git', branch: 'datasets', embedded: true },
    ],
    [
      git({ repoUrl: 'https://bot:ghp_SECRET@github.com/team/data.git', branch: 'labels' }),
      '/srv/data',
      { url: 'https://github.com/team/data.git', branch: 'labels', embedded: false },
    ],
  ])(
    '%#: a repository URL picks the team repository, else the embedded one in the project folder',
    (config, dataDir, description) => {
      expect(createGitRemote(config, { dataDir }).describe()).toEqual(description);
    },
  );
});
