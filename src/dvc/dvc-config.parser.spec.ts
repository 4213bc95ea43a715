import { describe, expect, it } from '@jest/globals';
import { DvcConfigError } from './dvc-config.error.js';
import { parseConfigObj, parseDvcConfig } from './dvc-config.parser.js';

describe('parseConfigObj (as configobj 5 + DVC _lower_keys read it)', () => {
  it.each([
    [
      'docs/dvc-format.md example, quoted section, mixed case',
      '[core]\n    remote = Storage\n[\'remote "Storage"\']\n    URL = s3://my-bucket/dvcstore\n    endpointurl = http://localhost:9000\n',
      {
        core: { remote: 'Storage' },
        'remote "storage"': { url: 's3://my-bucket/dvcstore', endpointurl: 'http://localhost:9000' },
      },
    ],
    [
      'unquoted section, comments, quoted values, empty value',
      '# top\n[remote "a b"]\nurl = /tmp/x # comment\nregion=\'eu-west-1\' # c\nq = "has # hash"\nempty =\n',
      { 'remote "a b"': { url: '/tmp/x', region: 'eu-west-1', q: 'has # hash', empty: '' } },
    ],
    ['spaces in the marker, comment without a space', '[ core ]\nremote=x#c\n', { core: { remote: 'x' } }],
    ['CRLF and BOM', '\uFEFF[core]\r\nremote = a\r\n', { core: { remote: 'a' } }],
    ['a key before any section is not a DVC setting', 'x = 1\n[core]\nremote = a\n', { core: { remote: 'a' } }],
    ['empty file', '', {}],
  ])('%s', (_name, text, expected) => expect(parseConfigObj(text, '.dvc/config')).toEqual(expected));

  it.each([
    ['[core]\nremote = a\nremote = b\n', /line 3: 'remote' is set twice/],
    ['[core]\n[core]\n', /line 2: section \[core\] appears twice/],
    ['[core]\njust text\n', /line 2: expected/],
    ['[[sub]]\n', /nested sections/],
    ["[core]\nremote = 'a'b\n", /unbalanced quotes/],
    ['[core]\nremote = """a\n', /multi-line/],
  ])('refuses %j', (text, message) => {
    expect(() => parseConfigObj(text, '.dvc/config')).toThrow(DvcConfigError);
    expect(() => parseConfigObj(text, '.dvc/config')).toThrow(message);
  });
});

describe('parseDvcConfig', () => {
  it('merges config.local over config, key by key, and lowercases remote names', () => {
    const config =
      '[core]\n    remote = storage\n[\'remote "Storage"\']\n    url = s3://b/p\n    region = eu-west-1\n[remote "other"]\n    url = /mnt/dvc\n';
    const configLocal =
      '[remote "storage"]\n    access_key_id = AKIA\n    region = us-east-2\n[core]\n    remote = other\n';
    expect(parseDvcConfig({ config, configLocal })).toEqual({
      core: { remote: 'other' },
      remotes: {
        storage: { url: 's3://b/p', region: 'us-east-2', access_key_id: 'AKIA' },
        other: { url: '/mnt/dvc' },
      },
    });
  });

  it('names the file in errors', () => {
    expect(() => parseDvcConfig({ config: '[core]\n', configLocal: '[core\n' })).toThrow(/\.dvc\/config\.local line 1/);
  });

  it('reads no files as an empty configuration', () => {
    expect(parseDvcConfig({})).toEqual({ core: {}, remotes: {} });
  });
});
