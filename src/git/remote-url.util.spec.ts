import { describe, expect, it } from '@jest/globals';
import { credentialSecrets, redactSecrets, splitCredentials } from './remote-url.util.js';

describe('splitCredentials', () => {
  it.each([
    ['https://github.com/team/data.git', { url: 'https://github.com/team/data.git' }],
    [
      'https://bot:s3cr%40t@gitlab.example/team/data.git',
      { url: 'https://gitlab.example/team/data.git', username: 'bot', password: 's3cr@t' },
    ],
    ['http://ghp_token@127.0.0.1:8080/r', { url: 'http://127.0.0.1:8080/r', username: 'ghp_token' }],
  ])('%s', (raw, expected) => {
    expect(splitCredentials(raw)).toEqual({ username: undefined, password: undefined, ...expected });
  });
});

describe('redactSecrets', () => {
  it.each([
    ['HTTP Basic failed for tok3n', ['tok3n'], 'HTTP Basic failed for ***'],
    ['http://u:p%40ss@host', ['p@ss'], 'http://u:***@host'],
    ['Authorization: Basic dG9rZW4tMTIz', ['token-123'], 'Authorization: Basic ***'],
    ['abc abcdef', ['abc', 'abcdef'], '*** ***'],
    ['nothing to hide', [undefined, ''], 'nothing to hide'],
  ])('%j', (text, secrets, expected) => {
    expect(redactSecrets(text, secrets)).toBe(expected);
  });
});

describe('redactSecrets: every encoding a Git token travels in', () => {
  const token = 'ghp_S3cr3t/T0ken+x=';
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const secrets = credentialSecrets('bot', token);
  it.each([
    ['raw', `bad token ${token}`],
    ['URL-encoded', `https://bot:${encodeURIComponent(token)}@git.example/r.git`],
    ['base64 of the token', `Bearer ${b64(token)}`],
    // The HTTP Basic header isomorphic-git sends (RFC 7617): what a proxy echoing `Authorization` shows.
    ['base64 of user:token (HTTP Basic)', `502 Bad Gateway (Authorization: Basic ${b64(`bot:${token}`)})`],
    ['unpadded base64 of user:token', `Basic ${b64(`bot:${token}`).replace(/=+$/, '')}`],
    ['base64url of user:token', `Basic ${Buffer.from(`bot:${token}`).toString('base64url')}`],
    ['URL-encoded base64 of user:token', `auth=Basic%20${encodeURIComponent(b64(`bot:${token}`))}`],
  ])('%s', (_form, text) => {
    const out = redactSecrets(text, secrets);
    expect(out).toContain('***');
    expect(out).not.toContain(token);
    expect(out).not.toContain(encodeURIComponent(token));
    for (const form of [b64(token), b64(`bot:${token}`)]) expect(out).not.toContain(form.replace(/=+$/, ''));
  });

  it('a token given as the URL user name (https://<token>@host, no password) is hidden in every form too', () => {
    const asUser = credentialSecrets(token, undefined);
    expect(redactSecrets(`user ${token}`, asUser)).toBe('user ***');
    expect(redactSecrets(`Basic ${b64(`${token}:`)}`, asUser)).toBe('Basic ***');
  });

  it('no credentials: nothing to hide, the text is unchanged', () => {
    expect(redactSecrets('HTTP 502 Bad Gateway', credentialSecrets(undefined, undefined))).toBe('HTTP 502 Bad Gateway');
  });
});
