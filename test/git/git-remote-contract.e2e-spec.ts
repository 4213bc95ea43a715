import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpGitRemote } from '../../src/git/http-git.remote.js';
import { LocalBareGitRemote } from '../../src/git/local-bare-git.remote.js';
import { InMemoryGitRemote } from '../fakes/in-memory-git.remote.js';
import { createBareRepo, pushCommit, seededFiles, startGitHttpServer } from '../support/git-http-server.js';
import { describeGitRemoteContract } from './git-remote.contract.js';
import { lsTree, show } from './repo-inspect.js';

const author = { name: 'DVC Sync', email: 'sync@example.com' };
const filesOf = (bare: string) => async () =>
  Object.fromEntries(Object.keys(lsTree(bare, 'main')).map((path) => [path, show(bare, 'main', path)]));

describeGitRemoteContract('InMemoryGitRemote (the fake)', async () => {
  const remote = await InMemoryGitRemote.withFiles({ ...seededFiles, 'README.md': '# Team\n' });
  return {
    remote,
    teammatePush: (files, message) => remote.teammatePush(files, message),
    files: async () => remote.files(),
    cleanup: async () => undefined,
  };
});

describeGitRemoteContract('HttpGitRemote (git http-backend)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'contract-http-'));
  const bare = createBareRepo(join(root, 'server'), 'team');
  const server = await startGitHttpServer({ root: join(root, 'server'), username: 'bot', password: 'pw' });
  const remote = new HttpGitRemote({
    repoUrl: server.url('team.git'),
    branch: 'main',
    username: 'bot',
    token: 'pw',
    author,
    cacheDir: join(root, 'git'),
  });
  return {
    remote,
    teammatePush: async (files, message) => pushCommit(bare, 'main', files, message),
    files: filesOf(bare),
    cleanup: async () => {
      await server.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
});

describeGitRemoteContract('LocalBareGitRemote (embedded)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'contract-local-'));
  const repoDir = join(root, 'repo.git');
  const remote = new LocalBareGitRemote({ repoDir, dvcRemoteDir: join(root, 'dvc-remote'), branch: 'main', author });
  await remote.fetchTip(); // creates the repository
  pushCommit(repoDir, 'main', { ...seededFiles, 'README.md': '# Team\n' }, 'Team files');
  return {
    remote,
    teammatePush: async (files, message) => pushCommit(repoDir, 'main', files, message),
    files: filesOf(repoDir),
    cleanup: async () => rmSync(root, { recursive: true, force: true }),
  };
});

describe('InMemoryGitRemote test controls', () => {
  const put = (path: string, content: string) => ({ path, content: Buffer.from(content) });

  it('a teammate can push right as our push starts, which then is non-fast-forward', async () => {
    const remote = await InMemoryGitRemote.withFiles({ 'README.md': 'hi' });
    const { commit: parent } = (await remote.fetchTip())!;
    const ours = await remote.commitChanges({ parent, changes: [put('a', 'a')], message: 'ours' });
    remote.teammatePushesBeforeNextPush({ b: 'b' }, 'theirs');
    expect(await remote.push(ours!)).toEqual({ ok: false, reason: 'non-fast-forward' });
    expect(remote.log()).toEqual(['theirs', 'Initial commit']);
    expect(await remote.push(ours!)).toEqual({ ok: false, reason: 'non-fast-forward' }); // the branch really moved
  });

  it('an empty repository, a first commit, and a commit on a tip that was never fetched', async () => {
    const remote = new InMemoryGitRemote();
    expect(await remote.fetchTip()).toBeNull();
    const first = await remote.commitChanges({ parent: null, changes: [put('x', '1')], message: 'first' });
    expect(await remote.push(first!)).toEqual({ ok: true });
    const theirs = await remote.teammatePush({ y: '2' }, 'theirs');
    await expect(remote.commitChanges({ parent: theirs, changes: [put('z', '3')], message: 'm' })).rejects.toThrow(
      /not fetched/,
    );
    expect(remote.files()).toEqual({ x: '1', y: '2' });
  });

  it('failNext makes one fetch or push fail (and check report it)', async () => {
    const remote = await InMemoryGitRemote.withFiles({ 'README.md': 'hi' });
    remote.failNext('fetch');
    expect(await remote.check()).toEqual({ ok: false, error: expect.stringMatching(/ECONNREFUSED/) });
    await expect(remote.fetchTip()).rejects.toThrow(/ECONNREFUSED/);
    expect(await remote.fetchTip()).not.toBeNull();
    remote.failNext('push', new Error('boom'));
    await expect(remote.push(remote.tip!)).rejects.toThrow('boom');
  });
});
