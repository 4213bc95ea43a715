import { describe, expect, it } from '@jest/globals';
import { redactSecrets, splitCredentials } from './remote-url.util.js';

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
