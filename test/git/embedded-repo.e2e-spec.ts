import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBareGitRemote } from '../../src/git/local-bare-git.remote.js';
import { git, pushCommit } from '../support/git-http-server.js';
import { toolPaths } from '../support/tools.js';
import { cloneAndRead, logSubjects, lsTree, show, tip } from './repo-inspect.js';

// GIT_REPO_URL unset: DATA_DIR/repo.git is the remote. Judged by the real git CLI and the real dvc.
describe('LocalBareGitRemote (the embedded repository)', () => {
  let dataDir: string;
  let repo: string;
  const remote = (branch = 'main') =>
    new LocalBareGitRemote({
      repoDir: join(dataDir, 'repo.git'),
      dvcRemoteDir: join(dataDir, 'dvc-remote'),
      branch,
      author: { name: 'DVC Sync', email: 'sync@example.com' },
    });
  const write = (path: string, content: string) => ({ path, content: Buffer.from(content) });

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'embedded-'));
    repo = join(dataDir, 'repo.git');
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is created on first use with what `dvc init` writes, and clones with the git CLI', async () => {
    const git$ = remote('datasets');
    const first = await git$.fetchTip();

    expect(first?.commit).toBe(tip(repo, 'datasets'));
    expect(logSubjects(repo, 'datasets')).toEqual(['Initialize DVC']);
    expect(git(repo, 'symbolic-ref', 'HEAD').trim()).toBe('refs/heads/datasets');
    expect(git(repo, 'config', '--get', 'core.bare').trim()).toBe('true');
    expect(git(repo, 'fsck', '--strict', '--no-progress')).toBe('');
    const paths = ['.dvc/.gitignore', '.dvc/config', '.dvcignore'];
    const clone = cloneAndRead(repo, 'datasets', paths);

    // The same bytes as the real dvc: `dvc init` + `dvc remote add -d local <DATA_DIR/dvc-remote>`.
    const reference = mkdtempSync(join(tmpdir(), 'dvc-init-'));
    try {
      const dvc = toolPaths().dvc;
      git(reference, 'init', '-q');
      execFileSync(dvc, ['init', '-q'], { cwd: reference });
      execFileSync(dvc, ['remote', 'add', '-d', 'local', join(dataDir, 'dvc-remote')], {
        cwd: reference,
        stdio: 'ignore',
      });
      for (const path of paths)
        expect([path, clone.files[path]]).toEqual([path, readFileSync(join(reference, path), 'utf8')]);
    } finally {
      rmSync(reference, { recursive: true, force: true });
    }
  });

  it('commits and pushes: the clone shows every commit, and a restart reuses the repository', async () => {
    const git$ = remote();
    const seed = (await git$.fetchTip())!.commit;
    const c1 = await git$.commitChanges({
      parent: seed,
      changes: [write('data/annotations.dvc', 'v1\n'), write('data/.gitignore', '/annotations\n')],
      message: 'Sync 1',
    });
    expect(await git$.push(c1!)).toEqual({ ok: true });
    expect(
      await git$.commitChanges({ parent: c1!, changes: [write('data/annotations.dvc', 'v1\n')], message: 'same' }),
    ).toBeNull();

    const restarted = remote();
    expect((await restarted.fetchTip())?.commit).toBe(c1);
    expect((await restarted.readFile(c1!, 'data/annotations.dvc'))?.toString()).toBe('v1\n');
    const c2 = await restarted.commitChanges({
      parent: c1!,
      changes: [write('data/annotations.dvc', 'v2\n')],
      message: 'Sync 2',
    });
    expect(await restarted.push(c2!)).toEqual({ ok: true });

    expect(logSubjects(repo, 'main')).toEqual(['Sync 2', 'Sync 1', 'Initialize DVC']);
    expect(Object.keys(lsTree(repo, 'main')).sort()).toEqual([
      '.dvc/.gitignore',
      '.dvc/config',
      '.dvcignore',
      'data/.gitignore',
      'data/annotations.dvc',
    ]);
    expect(cloneAndRead(repo, 'main', ['data/annotations.dvc']).files).toEqual({ 'data/annotations.dvc': 'v2\n' });
  });

  it("someone's `git push` into the folder in between: ours is non-fast-forward, the rebuilt one keeps both", async () => {
    const git$ = remote();
    const seed = (await git$.fetchTip())!.commit;
    const stale = await git$.commitChanges({
      parent: seed,
      changes: [write('data/annotations.dvc', 'ours\n')],
      message: 'Ours',
    });
    const theirs = pushCommit(repo, 'main', { 'README.md': 'hello\n' }, 'Their README');

    expect(await git$.push(stale!)).toEqual({ ok: false, reason: 'non-fast-forward' });
    expect(tip(repo, 'main')).toBe(theirs);
    const fresh = (await git$.fetchTip())!.commit;
    expect(fresh).toBe(theirs);
    const rebuilt = await git$.commitChanges({
      parent: fresh,
      changes: [write('data/annotations.dvc', 'ours\n')],
      message: 'Ours',
    });
    expect(await git$.push(rebuilt!)).toEqual({ ok: true });
    expect(show(repo, 'main', 'README.md')).toBe('hello\n');
    expect(show(repo, 'main', 'data/annotations.dvc')).toBe('ours\n');
  });

  it("respects git's ref lock: a live one refuses the push, a stale one (crash) is broken", async () => {
    const git$ = remote();
    const seed = (await git$.fetchTip())!.commit;
    const commit = await git$.commitChanges({ parent: seed, changes: [write('a.txt', 'a')], message: 'a' });
    const lock = join(repo, 'refs', 'heads', 'main.lock');
    mkdirSync(join(repo, 'refs', 'heads'), { recursive: true });
    writeFileSync(lock, '');

    expect(await git$.push(commit!)).toEqual({ ok: false, reason: expect.stringMatching(/being updated/) });
    expect(tip(repo, 'main')).toBe(seed);

    const anHourAgo = new Date(Date.now() - 3600_000);
    utimesSync(lock, anHourAgo, anHourAgo);
    expect(await git$.push(commit!)).toEqual({ ok: true });
    expect(tip(repo, 'main')).toBe(commit);
  });

  it('describes itself and reports healthy', async () => {
    const git$ = remote();
    expect(git$.describe()).toEqual({ url: repo, branch: 'main', embedded: true });
    expect(await git$.check()).toEqual({ ok: true });
  });

  it('follows a moved DATA_DIR: one commit points .dvc/config at the new folder, and the real dvc reads it', async () => {
    const before = remote();
    const seed = (await before.fetchTip())!.commit;
    const c1 = await before.commitChanges({ parent: seed, changes: [write('data/a.dvc', 'v1\n')], message: 'Sync 1' });
    expect(await before.push(c1!)).toEqual({ ok: true });
    const moved = mkdtempSync(join(tmpdir(), 'embedded-moved-'));
    rmSync(moved, { recursive: true });
    renameSync(dataDir, moved);
    dataDir = moved;
    repo = join(moved, 'repo.git');

    const after = remote();
    const followed = (await after.fetchTip())!.commit;
    expect(logSubjects(repo, 'main')).toEqual(['Point the DVC remote at its new folder', 'Sync 1', 'Initialize DVC']);
    expect(show(repo, followed, 'data/a.dvc')).toBe('v1\n');
    const clone = mkdtempSync(join(tmpdir(), 'embedded-clone-'));
    try {
      git(clone, 'clone', '-q', repo, 'work');
      const remotes = execFileSync(toolPaths().dvc, ['remote', 'list'], { cwd: join(clone, 'work') }).toString();
      expect(remotes.trim().split(/\s+/)).toEqual(['local', join(moved, 'dvc-remote'), '(default)']);
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
    // Once only: a restart in the same place finds nothing to follow.
    expect((await remote().fetchTip())!.commit).toBe(followed);
  });

  it('leaves alone a remote a person configured (another folder, or other settings)', async () => {
    const seed = (await remote().fetchTip())!.commit;
    const configs = [
      `[core]\n    remote = local\n['remote "local"']\n    url = /mnt/team/dvc-store\n`,
      `[core]\n    remote = local\n['remote "local"']\n    url = /old/place/dvc-remote\n    verify = true\n`,
    ];
    for (const config of configs) {
      const commit = await remote().commitChanges({
        parent: tip(repo, 'main')!,
        changes: [write('.dvc/config', config)],
        message: 'A teammate picks the remote',
      });
      expect(await remote().push(commit!)).toEqual({ ok: true });
      expect((await remote().fetchTip())!.commit).toBe(commit);
      expect(show(repo, 'main', '.dvc/config')).toBe(config);
    }
    expect(seed).not.toBe(tip(repo, 'main'));
  });
});
