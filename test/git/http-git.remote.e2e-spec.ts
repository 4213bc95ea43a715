import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileChange } from '../../src/git/git.remote.js';
import { HttpGitRemote, type HttpGitRemoteOptions } from '../../src/git/http-git.remote.js';
import {
  createBareRepo,
  git,
  pushCommit,
  seededFiles,
  startGitHttpServer,
  type GitHttpServer,
} from '../support/git-http-server.js';
import { cloneAndRead, logSubjects, lsTree, show, tip } from './repo-inspect.js';

// A real `git http-backend` behind Basic auth; every assertion reads the server's repository with the git CLI.
const put = (path: string, content: string): FileChange => ({ path, content: Buffer.from(content) });
const del = (path: string): FileChange => ({ path, content: null });

describe('HttpGitRemote against git http-backend', () => {
  let root: string;
  let bare: string;
  let server: GitHttpServer;

  const remote = (over: Partial<HttpGitRemoteOptions> = {}) =>
    new HttpGitRemote({
      repoUrl: server.url('team.git'),
      branch: 'main',
      username: 'bot',
      token: 'pa55-SECRET',
      author: { name: 'DVC Sync', email: 'sync@example.com' },
      cacheDir: join(root, 'data', 'git'),
      ...over,
    });

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'git-remote-'));
    bare = createBareRepo(join(root, 'server'), 'team');
    server = await startGitHttpServer({ root: join(root, 'server'), username: 'bot', password: 'pa55-SECRET' });
  });

  afterEach(async () => {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('commits only the given path on top of the branch: every other file and all history stay', async () => {
    const before = lsTree(bare, 'main');
    const oldTip = tip(bare, 'main');
    const git$ = remote();

    const fetched = await git$.fetchTip();
    expect(fetched?.commit).toBe(oldTip);
    const commit = await git$.commitChanges({
      parent: oldTip!,
      changes: [put('data/annotations.dvc', 'outs: v2\n')],
      message: 'Update annotations',
    });
    expect(await git$.push(commit!)).toEqual({ ok: true });

    expect(tip(bare, 'main')).toBe(commit);
    const after = lsTree(bare, 'main');
    expect(after['data/annotations.dvc']).not.toBe(before['data/annotations.dvc']);
    expect({ ...after, 'data/annotations.dvc': undefined }).toEqual({ ...before, 'data/annotations.dvc': undefined });
    expect(logSubjects(bare, 'main')).toEqual([
      'Update annotations',
      'Track annotations with DVC',
      'Add training script',
      'Initial commit',
    ]);
    expect(git(bare, 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%P', 'main').trim()).toBe(
      `DVC Sync <sync@example.com>|DVC Sync <sync@example.com>|${oldTip}`,
    );
    const clone = cloneAndRead(bare, 'main', ['data/annotations.dvc', 'README.md', 'src/model/net.py']);
    expect(clone.files).toEqual({
      'data/annotations.dvc': 'outs: v2\n',
      'README.md': seededFiles['README.md'],
      'src/model/net.py': seededFiles['src/model/net.py'],
    });
  });

  it('writes nested new folders and deletes files, nothing else', async () => {
    const before = lsTree(bare, 'main');
    const git$ = remote();
    const parent = (await git$.fetchTip())!.commit;
    const commit = await git$.commitChanges({
      parent,
      changes: [
        put('data/annotations/sub/deep/task-1.json', '{"id":1}\n'),
        del('src/model/net.py'),
        del('not/there.txt'),
      ],
      message: 'Nested and delete',
    });
    expect(await git$.push(commit!)).toEqual({ ok: true });

    const after = lsTree(bare, 'main');
    const expected: Record<string, string> = {
      ...before,
      'data/annotations/sub/deep/task-1.json': after['data/annotations/sub/deep/task-1.json'],
    };
    delete expected['src/model/net.py'];
    expect(after).toEqual(expected);
    expect(show(bare, 'main', 'data/annotations/sub/deep/task-1.json')).toBe('{"id":1}\n');
    expect(git(bare, 'ls-tree', 'main', 'src/').trim()).toMatch(/train\.py$/); // src/ kept, src/model/ gone
    expect(git(bare, 'fsck', '--strict', '--no-progress')).toBe('');
  });

  it('reads files of the fetched commit', async () => {
    const git$ = remote();
    const { commit } = (await git$.fetchTip())!;
    expect((await git$.readFile(commit, 'data/annotations.dvc'))?.toString()).toBe(seededFiles['data/annotations.dvc']);
    expect(await git$.readFile(commit, 'data/nope.dvc')).toBeUndefined();
    expect(await git$.readFile(commit, 'README.md/x')).toBeUndefined();
    await expect(git$.readFile(commit, 'src')).rejects.toThrow(/cannot read 'src' .*not a file/);
    await expect(git$.readFile('0123456789012345678901234567890123456789', 'README.md')).rejects.toThrow(/not fetched/);
  });

  it('makes no empty commit', async () => {
    const git$ = remote();
    const { commit } = (await git$.fetchTip())!;
    expect(
      await git$.commitChanges({
        parent: commit,
        changes: [put('README.md', seededFiles['README.md'])],
        message: 'same',
      }),
    ).toBeNull();
    expect(await git$.commitChanges({ parent: commit, changes: [del('missing.txt')], message: 'gone' })).toBeNull();
    expect(await git$.commitChanges({ parent: commit, changes: [], message: 'nothing' })).toBeNull();
    expect(tip(bare, 'main')).toBe(commit);
  });

  it('fetches only the tip (depth 1), and builds the next commit on its own pushed one', async () => {
    const git$ = remote();
    const first = (await git$.fetchTip())!.commit;
    const initial = git(bare, 'rev-list', '--max-parents=0', 'main').trim();
    // The cache holds the tip, not the history behind it.
    expect(() => git(join(root, 'data', 'git'), 'cat-file', '-e', initial)).toThrow();

    const c1 = await git$.commitChanges({
      parent: first,
      changes: [put('data/annotations.dvc', 'v1\n')],
      message: 'one',
    });
    expect(await git$.push(c1!)).toEqual({ ok: true });
    expect((await git$.fetchTip())!.commit).toBe(c1);
    const c2 = await git$.commitChanges({
      parent: c1!,
      changes: [put('data/annotations.dvc', 'v2\n')],
      message: 'two',
    });
    expect(await git$.push(c2!)).toEqual({ ok: true });
    expect(logSubjects(bare, 'main').slice(0, 3)).toEqual(['two', 'one', 'Track annotations with DVC']);
  });

  it("a teammate's push in between: ours is refused as non-fast-forward, the rebuilt one keeps both", async () => {
    const git$ = remote();
    const ours = (await git$.fetchTip())!.commit;
    const stale = await git$.commitChanges({
      parent: ours,
      changes: [put('data/annotations.dvc', 'ours\n')],
      message: 'Ours',
    });
    const theirs = pushCommit(bare, 'main', { 'README.md': '# Team (edited)\n' }, 'Teammate edit');

    expect(await git$.push(stale!)).toEqual({ ok: false, reason: 'non-fast-forward' });
    expect(tip(bare, 'main')).toBe(theirs);

    const fresh = (await git$.fetchTip())!;
    expect(fresh.commit).toBe(theirs);
    expect((await git$.readFile(fresh.commit, 'README.md'))?.toString()).toBe('# Team (edited)\n');
    const rebuilt = await git$.commitChanges({
      parent: fresh.commit,
      changes: [put('data/annotations.dvc', 'ours\n')],
      message: 'Ours',
    });
    expect(await git$.push(rebuilt!)).toEqual({ ok: true });

    expect(show(bare, 'main', 'README.md')).toBe('# Team (edited)\n');
    expect(show(bare, 'main', 'data/annotations.dvc')).toBe('ours\n');
    expect(logSubjects(bare, 'main').slice(0, 3)).toEqual(['Ours', 'Teammate edit', 'Track annotations with DVC']);
  });

  it('a teammate moving the branch while our pack is in flight is also non-fast-forward (server-side check)', async () => {
    const git$ = remote();
    const parent = (await git$.fetchTip())!.commit;
    const commit = await git$.commitChanges({
      parent,
      changes: [put('data/annotations.dvc', 'ours\n')],
      message: 'Ours',
    });
    // A commit object made in advance, moved onto the branch by the server's pre-receive hook: after
    // isomorphic-git read the refs, before receive-pack updates them. (git forbids ref updates from inside
    // the quarantine of a push being received; a teammate's push is not in it.)
    const tree = git(bare, 'rev-parse', 'main^{tree}').trim();
    const raced = git(bare, 'commit-tree', tree, '-p', parent, '-m', 'Raced in').trim();
    mkdirSync(join(bare, 'hooks'), { recursive: true });
    writeFileSync(
      join(bare, 'hooks', 'pre-receive'),
      `#!/bin/sh\nunset GIT_QUARANTINE_PATH\ngit update-ref refs/heads/main ${raced} ${parent} || exit 1\n`,
    );
    chmodSync(join(bare, 'hooks', 'pre-receive'), 0o755);

    expect(await git$.push(commit!)).toEqual({ ok: false, reason: 'non-fast-forward' });
    expect(tip(bare, 'main')).toBe(raced);
  });

  it("a server rule that declines the push is reported in the server's words", async () => {
    const git$ = remote();
    const parent = (await git$.fetchTip())!.commit;
    const commit = await git$.commitChanges({
      parent,
      changes: [put('data/annotations.dvc', 'ours\n')],
      message: 'Ours',
    });
    mkdirSync(join(bare, 'hooks'), { recursive: true });
    writeFileSync(join(bare, 'hooks', 'pre-receive'), '#!/bin/sh\necho "main is protected" >&2\nexit 1\n');
    chmodSync(join(bare, 'hooks', 'pre-receive'), 0o755);

    expect(await git$.push(commit!)).toEqual({ ok: false, reason: 'pre-receive hook declined' });
    expect(tip(bare, 'main')).toBe(parent);
  });
});
