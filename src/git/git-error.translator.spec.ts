import { describe, expect, it } from '@jest/globals';
import git from 'isomorphic-git';
import { GitRemoteError } from './git-remote.error.js';
import { type GitErrorContext, pushRefusal, translateGitError } from './git-error.translator.js';

const { Errors } = git;
const url = 'https://git.example/team/data.git';
const ctx = (over: Partial<GitErrorContext> = {}): GitErrorContext => ({
  url,
  operation: 'fetch',
  hasCredentials: true,
  secrets: ['tok-SECRET'],
  ...over,
});
const netError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
const pushError = (error: string) =>
  new Errors.GitPushError(`\n  - refs/heads/main: ${error}`, {
    ok: false,
    error: undefined,
    refs: { 'refs/heads/main': { ok: false, error } },
  } as never);

describe('translateGitError', () => {
  it.each<[string, unknown, Partial<GitErrorContext>, GitRemoteError['kind'], RegExp]>([
    [
      '401 with credentials',
      new Errors.HttpError(401, 'Unauthorized', ''),
      {},
      'auth',
      /refused the credentials.*check GIT_USERNAME and GIT_TOKEN/,
    ],
    [
      '401 without credentials',
      new Errors.HttpError(401, 'Unauthorized', ''),
      { hasCredentials: false },
      'auth',
      /requires credentials.*set GIT_USERNAME and GIT_TOKEN/,
    ],
    [
      '403 on push',
      new Errors.HttpError(403, 'Forbidden', ''),
      { operation: 'push' },
      'auth',
      /GIT_TOKEN must grant write \(push\) access/,
    ],
    [
      '403 on the health check (which probes the push service)',
      new Errors.HttpError(403, 'Forbidden', ''),
      { operation: 'check' },
      'auth',
      /write \(push\) access/,
    ],
    ['403 on fetch', new Errors.HttpError(403, 'Forbidden', ''), {}, 'auth', /GIT_TOKEN must grant read access/],
    ['404', new Errors.HttpError(404, 'Not Found', ''), {}, 'not-found', /no git repository at .*check GIT_REPO_URL$/],
    [
      '404 without credentials',
      new Errors.HttpError(404, 'Not Found', ''),
      { hasCredentials: false },
      'not-found',
      /private repository.*GIT_TOKEN/,
    ],
    [
      '500',
      new Errors.HttpError(500, 'Internal Server Error', 'tok-SECRET'),
      {},
      'protocol',
      /answered HTTP 500 Internal Server Error: a problem on the server side; .*the flush retries$/,
    ],
    [
      '503',
      new Errors.HttpError(503, 'Service Unavailable', ''),
      {},
      'protocol',
      /answered HTTP 503 Service Unavailable: a problem on the server side/,
    ],
    ['an HTML page', new Errors.SmartHttpError('<html>', '<html>'), {}, 'protocol', /did not answer like a git server/],
    ['connection refused', netError('ECONNREFUSED'), {}, 'unreachable', /cannot reach .*ECONNREFUSED/],
    ['unknown host', netError('ENOTFOUND'), {}, 'unreachable', /ENOTFOUND/],
    ['a self-signed certificate', netError('DEPTH_ZERO_SELF_SIGNED_CERT'), {}, 'unreachable', /SELF_SIGNED/],
    [
      'anything else, secrets redacted',
      new Error('boom for tok-SECRET'),
      {},
      'protocol',
      /git fetch with .* failed: boom for \*\*\*$/,
    ],
  ])('%s', (_name, error, over, kind, message) => {
    const translated = translateGitError(error, ctx(over));
    expect(translated).toBeInstanceOf(GitRemoteError);
    expect(translated.kind).toBe(kind);
    expect(translated.message).toMatch(message);
    expect(translated.message).toContain(url);
    expect(translated.message).not.toContain('tok-SECRET');
  });
});

describe('pushRefusal', () => {
  it.each<[string, unknown, string | undefined]>([
    ['isomorphic-git saw the tip move', new Errors.PushRejectedError('not-fast-forward'), 'non-fast-forward'],
    ['the server compare-and-swap failed', pushError('failed to update ref'), 'non-fast-forward'],
    ['the server says fetch first', pushError('fetch first'), 'non-fast-forward'],
    ['a hook declined', pushError('pre-receive hook declined'), 'pre-receive hook declined'],
    ['a network error is not a refusal', netError('ECONNRESET'), undefined],
    ['an auth error is not a refusal', new Errors.HttpError(401, 'Unauthorized', ''), undefined],
  ])('%s', (_name, error, expected) => {
    expect(pushRefusal(error)).toBe(expected);
  });
});
