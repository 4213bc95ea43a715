import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpGitRemote, type HttpGitRemoteOptions } from '../../src/git/http-git.remote.js';
import { GitRemoteError } from '../../src/git/git-remote.error.js';
import { createBareRepo, git, pushCommit, startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';
import { cloneAndRead, logSubjects, lsTree, tip } from './repo-inspect.js';

// Where the first commit goes when the configured branch (or the whole repository) does not exist yet.
describe('HttpGitRemote: new branches and empty repositories', () => {
  let root: string;
  let server: GitHttpServer;

  const remote = (repo: string, over: Partial<HttpGitRemoteOptions> = {}) =>
    new HttpGitRemote({
      repoUrl: server.url(`${repo}.git`),
      branch: 'annotations',
      username: 'bot',
      token: 'pa55-SECRET',
      author: { name: 'DVC Sync', email: 'sync@example.com' },
      cacheDir: join(root, 'data', 'git'),
      ...over,
    });
  const write = (path: string, content: string) => ({ path, content: Buffer.from(content) });

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'git-branches-'));
    server = await startGitHttpServer({ root: join(root, 'server'), username: 'bot', password: 'pa55-SECRET' });
  });

  afterEach(async () => {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("a missing branch starts from the remote's default branch, and the push creates it", async () => {
    const bare = createBareRepo(join(root, 'server'), 'team', { defaultBranch: 'trunk' });
    const trunk = tip(bare, 'trunk');
    const git$ = remote('team');

    const base = await git$.fetchTip();
    expect(base?.commit).toBe(trunk);
    const commit = await git$.commitChanges({
      parent: trunk!,
      changes: [write('data/annotations.dvc', 'v1\n')],
      message: 'First sync',
    });
    expect(await git$.push(commit!)).toEqual({ ok: true });

    expect(tip(bare, 'annotations')).toBe(commit);
    expect(tip(bare, 'trunk')).toBe(trunk); // the default branch is untouched
    expect(logSubjects(bare, 'annotations')).toEqual([
      'First sync',
      'Track annotations with DVC',
      'Add training script',
      'Initial commit',
    ]);
    expect(Object.keys(lsTree(bare, 'annotations')).sort()).toEqual(Object.keys(lsTree(bare, 'trunk')).sort());
    // Once it exists, the branch itself is fetched.
    expect((await git$.fetchTip())?.commit).toBe(commit);
  });

  it('GIT_BASE_BRANCH picks the starting point of a missing branch', async () => {
    const bare = createBareRepo(join(root, 'server'), 'team');
    const develop = pushCommit(bare, 'develop', { 'DEVELOP.md': 'wip\n' }, 'Work in progress');
    const git$ = remote('team', { baseBranch: 'develop' });

    expect((await git$.fetchTip())?.commit).toBe(develop);
    const commit = await git$.commitChanges({
      parent: develop,
      changes: [write('data/annotations.dvc', 'v1\n')],
      message: 'First sync',
    });
    expect(await git$.push(commit!)).toEqual({ ok: true });
    expect(logSubjects(bare, 'annotations').slice(0, 2)).toEqual(['First sync', 'Work in progress']);
  });

  it('a GIT_BASE_BRANCH that does not exist is a clear error', async () => {
    createBareRepo(join(root, 'server'), 'team');
    const failure = await remote('team', { baseBranch: 'nope' })
      .fetchTip()
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GitRemoteError);
    expect((failure as GitRemoteError).message).toMatch(
      /neither branch 'annotations' nor GIT_BASE_BRANCH 'nope' exists in http:\/\/127\.0\.0\.1/,
    );
  });

  it('an empty repository gets a first commit without parent', async () => {
    const bare = createBareRepo(join(root, 'server'), 'empty', { empty: true });
    const git$ = remote('empty', { branch: 'main' });

    expect(await git$.fetchTip()).toBeNull();
    const commit = await git$.commitChanges({
      parent: null,
      changes: [write('data/annotations.dvc', 'v1\n'), write('data/.gitignore', '/annotations\n')],
      message: 'First sync',
    });
    expect(await git$.push(commit!)).toEqual({ ok: true });

    expect(git(bare, 'log', '--format=%s|%P', 'main').trim()).toBe('First sync|');
    expect(cloneAndRead(bare, 'main', ['data/annotations.dvc']).files).toEqual({ 'data/annotations.dvc': 'v1\n' });
    expect(await git$.commitChanges({ parent: null, changes: [], message: 'nothing' })).toBeNull();
  });
});
