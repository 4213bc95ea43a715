import { describe, expect, it } from '@jest/globals';
import { DvcConfigError } from './dvc-config.error.js';
import { parseDvcConfig } from './dvc-config.parser.js';
import { resolveRemote, type ResolveRemoteInput } from './remote.resolver.js';

const CONFIG = `[core]
    remote = storage
['remote "storage"']
    url = s3://my-bucket/dvcstore/
    endpointurl = http://localhost:9000
[remote "backup"]
    url = ../../backup-store
[remote "images"]
    url = remote://storage/images
    region = eu-west-1
[remote "abs"]
    url = /srv/dvc
[remote "fileurl"]
    url = file:///srv/dvc-file
`;
const LOCAL = `[remote "storage"]
    access_key_id = AKIAEXAMPLE
    secret_access_key = s3cr3t-value
    session_token = tok
`;
const config = parseDvcConfig({ config: CONFIG, configLocal: LOCAL });
const input = (extra: Partial<ResolveRemoteInput> = {}): ResolveRemoteInput => ({
  config,
  dvcDir: '/srv/repo/.dvc',
  ...extra,
});

describe('resolveRemote', () => {
  it.each<[string, Partial<ResolveRemoteInput>, object]>([
    [
      'core.remote, keys from config.local, trailing slash dropped',
      {},
      {
        kind: 's3',
        name: 'storage',
        bucket: 'my-bucket',
        prefix: 'dvcstore',
        endpoint: 'http://localhost:9000',
        credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 's3cr3t-value', sessionToken: 'tok' },
      },
    ],
    [
      "the output's own remote wins over core.remote",
      { outRemote: 'abs' },
      { kind: 'local', name: 'abs', path: '/srv/dvc' },
    ],
    [
      'DVC_REMOTE picks another remote (case-insensitive)',
      { overrides: { remoteName: 'ABS' } },
      { kind: 'local', name: 'abs', path: '/srv/dvc' },
    ],
    [
      'a relative url is relative to the .dvc folder',
      { outRemote: 'backup' },
      { kind: 'local', path: '/srv/backup-store' },
    ],
    ['file:// is a local folder', { outRemote: 'fileurl' }, { kind: 'local', path: '/srv/dvc-file' }],
    [
      'remote://storage/images inherits url and options, its own win',
      { outRemote: 'images' },
      {
        kind: 's3',
        name: 'images',
        bucket: 'my-bucket',
        prefix: 'dvcstore/images',
        endpoint: 'http://localhost:9000',
        region: 'eu-west-1',
        credentials: { accessKeyId: 'AKIAEXAMPLE' },
      },
    ],
    [
      'DVC_REMOTE_* options override the chosen remote (no session token with other keys)',
      {
        overrides: {
          options: {
            endpoint_url: 'https://minio:9000',
            region: 'us-west-2',
            access_key_id: 'ENVKEY',
            secret_access_key: 'envsecret',
          },
        },
      },
      {
        bucket: 'my-bucket',
        endpoint: 'https://minio:9000',
        region: 'us-west-2',
        credentials: { accessKeyId: 'ENVKEY', secretAccessKey: 'envsecret' },
      },
    ],
    [
      'DVC_REMOTE_URL replaces the remote entirely',
      { overrides: { remoteUrl: 's3://other-bucket', options: { region: 'eu-central-1' } } },
      {
        kind: 's3',
        name: undefined,
        bucket: 'other-bucket',
        prefix: '',
        region: 'eu-central-1',
        useSsl: true,
        sslVerify: true,
      },
    ],
    [
      'DVC_REMOTE_URL as a folder, no repository config needed',
      { config: parseDvcConfig({}), overrides: { remoteUrl: '/data/dvc-remote' } },
      { kind: 'local', path: '/data/dvc-remote' },
    ],
  ])('%s', (_name, extra, expected) => {
    expect(resolveRemote(input(extra))).toMatchObject(expected);
  });

  it('leaves credentials to the AWS default chain when none are configured', () => {
    const spec = resolveRemote({ config: parseDvcConfig({ config: CONFIG }) });
    expect(spec).toMatchObject({ kind: 's3', bucket: 'my-bucket' });
    expect(spec).not.toHaveProperty('credentials');
  });

  it('reads use_ssl, ssl_verify (bool or CA bundle), profile, sse, acl', () => {
    const cfg = parseDvcConfig({
      config:
        '[core]\nremote = r\n[remote "r"]\nurl = s3://b\nuse_ssl = False\nssl_verify = /etc/ca.pem\nprofile = team\nsse = aws:kms\nsse_kms_key_id = k1\nacl = bucket-owner-full-control\n',
    });
    expect(resolveRemote({ config: cfg })).toMatchObject({
      useSsl: false,
      sslVerify: '/etc/ca.pem',
      profile: 'team',
      sse: 'aws:kms',
      sseKmsKeyId: 'k1',
      acl: 'bucket-owner-full-control',
    });
  });

  it.each<[string, string | undefined, Partial<ResolveRemoteInput>, RegExp]>([
    ['no remote at all', '', {}, /no DVC remote.*dvc remote add -d storage <url>.*DVC_REMOTE_URL/],
    ['remotes but no default', '[remote "a"]\nurl = /x\n', {}, /defines 'a' but no core.remote.*DVC_REMOTE/],
    [
      'core.remote names a missing remote',
      '[core]\nremote = gone\n',
      {},
      /remote 'gone' \(from core.remote in .dvc\/config\) is not defined/,
    ],
    [
      'webdav',
      '[core]\nremote = g\n[remote "g"]\nurl = webdav://host/x\n',
      {},
      /remote 'g' uses webdav:\/\/.*supported: s3:\/\/, gs:\/\/, azure:\/\/, ssh:\/\/ and local folders/,
    ],
    ['https', '[core]\nremote = a\n[remote "a"]\nurl = https://host/x\n', {}, /https:\/\//],
    ['webdavs', '[core]\nremote = a\n[remote "a"]\nurl = webdavs://host/x\n', {}, /webdavs:\/\//],
    ['oss', '[core]\nremote = a\n[remote "a"]\nurl = oss://b/x\n', {}, /oss:\/\//],
    ['gdrive', '[core]\nremote = a\n[remote "a"]\nurl = gdrive://root/x\n', {}, /gdrive:\/\//],
    ['hdfs', '[core]\nremote = a\n[remote "a"]\nurl = hdfs://n/x\n', {}, /hdfs:\/\//],
    [
      'version_aware',
      '[core]\nremote = a\n[remote "a"]\nurl = s3://b\nversion_aware = true\n',
      {},
      /'version_aware = true'/,
    ],
    ['worktree', '[core]\nremote = a\n[remote "a"]\nurl = s3://b\nworktree = True\n', {}, /'worktree = true'/],
    [
      'remote:// cycle',
      '[core]\nremote = a\n[remote "a"]\nurl = remote://b/x\n[remote "b"]\nurl = remote://a/y\n',
      {},
      /refers to itself/,
    ],
    [
      'relative url without a .dvc folder',
      '[core]\nremote = a\n[remote "a"]\nurl = ../store\n',
      { dvcDir: undefined },
      /relative url '..\/store'.*DVC_REMOTE_URL/,
    ],
    [
      'relative DVC_REMOTE_URL',
      '',
      { overrides: { remoteUrl: 'store' } },
      /DVC_REMOTE_URL must be a remote url \(s3:\/\/, gs:\/\/, azure:\/\/, ssh:\/\/\) or an absolute folder/,
    ],
    [
      'key id without secret',
      '[core]\nremote = a\n[remote "a"]\nurl = s3://b\naccess_key_id = AKIA\n',
      {},
      /needs its secret access key/,
    ],
    [
      'out remote vs DVC_REMOTE',
      '',
      { outRemote: 'a', overrides: { remoteName: 'b' } },
      /sets 'remote: a' but DVC_REMOTE=b/,
    ],
  ])('refuses: %s', (_name, text, extra, message) => {
    const run = () => resolveRemote({ config: parseDvcConfig({ config: text }), ...extra });
    expect(run).toThrow(DvcConfigError);
    expect(run).toThrow(message);
  });

  it('never puts a secret in an error message', () => {
    const cfg = parseDvcConfig({
      config: '[core]\nremote = a\n[remote "a"]\nurl = gs://b\nsecret_access_key = TOPSECRET\naccess_key_id = AKIA\n',
    });
    expect(() =>
      resolveRemote({ config: cfg, overrides: { options: { secret_access_key: 'ENVSECRET', access_key_id: 'K' } } }),
    ).toThrow(expect.objectContaining({ message: expect.not.stringMatching(/TOPSECRET|ENVSECRET/) }));
  });
});
