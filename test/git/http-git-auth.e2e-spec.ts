import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitRemoteError } from '../../src/git/git-remote.error.js';
import { HttpGitRemote, type HttpGitRemoteOptions } from '../../src/git/http-git.remote.js';
import { createBareRepo, startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';
import { tip } from './repo-inspect.js';

const PASSWORD = 'correct-horse-SECRET';
const WRONG = 'wrong-battery-SECRET';

/** Everything a failure exposes: message, stack, and what a JSON logger would print. */
function exposed(error: unknown): string {
  return `${String(error)}\n${(error as Error).stack}\n${JSON.stringify(error)}`;
}

describe('HttpGitRemote credentials', () => {
  let root: string;
  let bare: string;
  let server: GitHttpServer;

  const remote = (over: Partial<HttpGitRemoteOptions>) =>
    new HttpGitRemote({
      repoUrl: server.url('team.git'),
      branch: 'main',
      author: { name: 'DVC Sync', email: 'sync@example.com' },
      cacheDir: join(root, 'data', 'git'),
      ...over,
    });

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'git-auth-'));
    bare = createBareRepo(join(root, 'server'), 'team');
    server = await startGitHttpServer({ root: join(root, 'server'), username: 'bot', password: PASSWORD });
  });

  afterEach(async () => {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('a wrong token: fetch and check say to fix GIT_USERNAME/GIT_TOKEN, never showing the token', async () => {
    const git$ = remote({ username: 'bot', token: WRONG });
    const failure = await git$.fetchTip().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(GitRemoteError);
    expect((failure as GitRemoteError).kind).toBe('auth');
    expect((failure as GitRemoteError).message).toMatch(
      /refused the credentials \(HTTP 401\): check GIT_USERNAME and GIT_TOKEN/,
    );
    expect(exposed(failure)).not.toContain(WRONG);

    const health = await git$.check();
    expect(health.ok).toBe(false);
    expect(health.error).toMatch(/GIT_USERNAME and GIT_TOKEN/);
    expect(health.error).not.toContain(WRONG);
  });

  it('a token that stops working between fetch and push: the push fails clearly and the branch is untouched', async () => {
    const good = remote({ username: 'bot', token: PASSWORD });
    const parent = (await good.fetchTip())!.commit;
    const commit = await good.commitChanges({
      parent,
      changes: [{ path: 'a.txt', content: Buffer.from('a') }],
      message: 'a',
    });

    const revoked = remote({ username: 'bot', token: WRONG });
    const failure = await revoked.push(commit!).catch((e: unknown) => e);
    expect((failure as GitRemoteError).kind).toBe('auth');
    expect(exposed(failure)).not.toContain(WRONG);
    expect(tip(bare, 'main')).toBe(parent);
  });

  it('no credentials: says which settings to set', async () => {
    const failure = await remote({})
      .fetchTip()
      .catch((e: unknown) => e);
    expect((failure as GitRemoteError).message).toMatch(
      /requires credentials \(HTTP 401\): set GIT_USERNAME and GIT_TOKEN/,
    );
  });

  it('credentials written into GIT_REPO_URL work, and are shown nowhere', async () => {
    const withUserinfo = server.url('team.git').replace('http://', `http://bot:${PASSWORD}@`);
    const git$ = remote({ repoUrl: withUserinfo });
    expect((await git$.fetchTip())?.commit).toBe(tip(bare, 'main'));
    expect(git$.describe()).toEqual({ url: server.url('team.git'), branch: 'main', embedded: false });
    expect(await git$.check()).toEqual({ ok: true });
    expect(readFileSync(join(root, 'data', 'git', 'config'), 'utf8')).not.toContain(PASSWORD); // nor at rest

    const wrong = remote({ repoUrl: server.url('team.git').replace('http://', `http://bot:${WRONG}@`) });
    const failure = await wrong.fetchTip().catch((e: unknown) => e);
    expect((failure as GitRemoteError).kind).toBe('auth');
    expect(exposed(failure)).not.toContain(WRONG);
  });

  it('a repository that does not exist, and a server that is down', async () => {
    const missing = await remote({ repoUrl: server.url('nope.git'), username: 'bot', token: PASSWORD })
      .fetchTip()
      .catch((e: unknown) => e);
    expect((missing as GitRemoteError).kind).toBe('not-found');
    expect((missing as GitRemoteError).message).toMatch(/no git repository at http:\/\/127\.0\.0\.1:\d+\/nope\.git/);

    const gone = await startGitHttpServer({ root: join(root, 'server'), username: 'bot', password: PASSWORD });
    const url = gone.url('team.git');
    await gone.stop();
    const down = remote({ repoUrl: url, username: 'bot', token: PASSWORD });
    expect(await down.check()).toEqual({ ok: false, error: `cannot reach the git server at ${url}: ECONNREFUSED` });
    expect(await down.fetchTip().catch((e: GitRemoteError) => e.kind)).toBe('unreachable');
  });
});
