import { describe, expect, it } from '@jest/globals';
import { homedir, userInfo } from 'node:os';
import { DvcConfigError } from './dvc-config.error.js';
import { parseDvcConfig } from './dvc-config.parser.js';
import type { RemoteOverrides } from './remote-spec.types.js';
import { resolveRemote } from './remote.resolver.js';

/** `.dvc/config` with one default remote `r`: the url and the non-secret options a team commits. */
const repo = (url: string, options: Record<string, string> = {}) =>
  parseDvcConfig({
    config: `[core]\n    remote = r\n['remote "r"']\n    url = ${url}\n${Object.entries(options)
      .map(([k, v]) => `    ${k} = ${v}\n`)
      .join('')}`,
  });
const resolve = (url: string, options: Record<string, string>, overrides: RemoteOverrides = {}) =>
  resolveRemote({ config: repo(url, options), overrides });

const AZURITE =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;';

describe('resolveRemote: gs://, azure://, ssh://', () => {
  it.each<[string, string, Record<string, string>, RemoteOverrides, object]>([
    [
      'gs: bucket and prefix; endpoint from .dvc/config; 60 s per request, 4 tries',
      'gs://team-bucket/dvc/store/',
      { endpointurl: 'http://127.0.0.1:4443/' },
      {},
      {
        kind: 'gs',
        name: 'r',
        bucket: 'team-bucket',
        prefix: 'dvc/store',
        endpoint: 'http://127.0.0.1:4443',
        timeoutMs: 60_000,
        attempts: 4,
      },
    ],
    [
      'gs: credentialpath and projectname from the environment',
      'gs://b',
      {},
      { options: { credentialpath: '/run/secrets/sa.json', projectname: 'labels' } },
      { kind: 'gs', bucket: 'b', prefix: '', keyFilename: '/run/secrets/sa.json', projectId: 'labels' },
    ],
    [
      'gs: GOOGLE_APPLICATION_CREDENTIALS when no credentialpath',
      'gs://b/p',
      {},
      { sdkEnvironment: { googleApplicationCredentials: '/sa.json' } },
      { keyFilename: '/sa.json' },
    ],
    [
      'gs: credentialpath wins over GOOGLE_APPLICATION_CREDENTIALS',
      'gs://b/p',
      { credentialpath: '/team.json' },
      { sdkEnvironment: { googleApplicationCredentials: '/sa.json' } },
      { keyFilename: '/team.json' },
    ],
    ['gcs:// is gs:// (dvc-gs registers both)', 'gcs://b/p', {}, {}, { kind: 'gs', bucket: 'b', prefix: 'p' }],
    [
      'azure: DVC_REMOTE_CONNECTION_STRING, container and prefix',
      'azure://dvcstore/team/labels',
      {},
      { options: { connection_string: AZURITE } },
      {
        kind: 'azure',
        container: 'dvcstore',
        prefix: 'team/labels',
        credentials: { kind: 'connection_string', connectionString: AZURITE },
      },
    ],
    [
      'azure: AZURE_STORAGE_CONNECTION_STRING when the remote has no credentials',
      'azure://c',
      {},
      { sdkEnvironment: { azureStorageConnectionString: AZURITE } },
      { credentials: { kind: 'connection_string', connectionString: AZURITE } },
    ],
    [
      'azure: account_name in .dvc/config, account_key from the environment',
      'az://c/p',
      { account_name: 'teamstore' },
      { options: { account_key: 'a2V5' } },
      { kind: 'azure', credentials: { kind: 'account_key', accountName: 'teamstore', accountKey: 'a2V5' } },
    ],
    [
      'azure: a SAS token (its leading ? dropped), read_timeout bounds a request',
      'azure://c',
      { account_name: 'teamstore', read_timeout: '30' },
      { options: { sas_token: '?sv=2024&sig=abc' } },
      { credentials: { kind: 'sas_token', accountName: 'teamstore', sasToken: 'sv=2024&sig=abc' }, timeoutMs: 30_000 },
    ],
    [
      'azure: AZURE_STORAGE_ACCOUNT + AZURE_STORAGE_KEY',
      'azure://c',
      {},
      { sdkEnvironment: { azureStorageAccount: 'acct', azureStorageKey: 'k' } },
      { credentials: { kind: 'account_key', accountName: 'acct', accountKey: 'k' } },
    ],
    [
      'ssh: user, port and absolute path from the url; keyfile from the environment, ~ expanded',
      'ssh://dvc@nas.example:2222/srv/dvc/store/',
      {},
      { options: { keyfile: '~/.ssh/id_ed25519' } },
      {
        kind: 'ssh',
        host: 'nas.example',
        port: 2222,
        user: 'dvc',
        path: '/srv/dvc/store',
        keyFile: `${homedir()}/.ssh/id_ed25519`,
        knownHosts: `${homedir()}/.ssh/known_hosts`,
        parallelism: 8,
      },
    ],
    [
      'ssh: DVC_REMOTE_USER/PORT/PASSWORD/KNOWN_HOSTS win; timeout and max_sessions from .dvc/config',
      'ssh://nas/data',
      { timeout: '20', max_sessions: '4', user: 'team' },
      { options: { user: 'sync', port: '2022', password: 'pw', known_hosts: '/etc/dvc-sync/known_hosts' } },
      {
        user: 'sync',
        port: 2022,
        password: 'pw',
        knownHosts: '/etc/dvc-sync/known_hosts',
        timeoutMs: 20_000,
        parallelism: 4,
      },
    ],
    [
      'ssh: no user anywhere → the local user, as ssh does; port 22',
      'ssh://nas/data',
      {},
      { options: { password: 'pw' } },
      { user: userInfo().username, port: 22 },
    ],
    [
      'the old spelling DVC_REMOTE_ENDPOINT_URL is endpointurl',
      'gs://b',
      {},
      { options: { endpoint_url: 'http://127.0.0.1:9023' } },
      { endpoint: 'http://127.0.0.1:9023' },
    ],
    [
      'DVC_REMOTE_URL with options from the environment only',
      'gs://ignored',
      {},
      { remoteUrl: 'ssh://backup@10.0.0.9/dvc', options: { keyfile: '/k' } },
      { kind: 'ssh', name: undefined, host: '10.0.0.9', user: 'backup', path: '/dvc', keyFile: '/k' },
    ],
  ])('%s', (_name, url, options, overrides, expected) => {
    expect(resolve(url, options, overrides)).toMatchObject(expected);
  });

  it.each<[string, string, Record<string, string>, RemoteOverrides, RegExp]>([
    [
      'an option of another kind, with the valid ones listed',
      'azure://c',
      {},
      { options: { connection_string: AZURITE, keyfile: '/k' } },
      /DVC_REMOTE_KEYFILE: not an option of an azure:\/\/ remote \(remote 'r'\)\. Valid: .*DVC_REMOTE_CONNECTION_STRING.*DVC_REMOTE_SAS_TOKEN/,
    ],
    [
      'a typo',
      'ssh://nas/x',
      {},
      { options: { keyfile: '/k', know_hosts: '/kh' } },
      /DVC_REMOTE_KNOW_HOSTS: not an option of an ssh:\/\/ remote.*DVC_REMOTE_KNOWN_HOSTS/,
    ],
    [
      'S3 keys for a local remote',
      '/srv/dvc',
      {},
      { options: { access_key_id: 'A', secret_access_key: 'S' } },
      /DVC_REMOTE_ACCESS_KEY_ID, DVC_REMOTE_SECRET_ACCESS_KEY: not an option of a local remote/,
    ],
    ['azure without credentials', 'azure://c', {}, {}, /no credentials that can write.*DVC_REMOTE_CONNECTION_STRING/],
    [
      'azure with a service principal',
      'azure://c',
      { account_name: 'a', tenant_id: 't', client_id: 'c' },
      { options: { client_secret: 'cs' } },
      /service principal .* is not supported/,
    ],
    ['ssh without key or password', 'ssh://nas/x', {}, {}, /set DVC_REMOTE_KEYFILE .* or DVC_REMOTE_PASSWORD/],
    ['ssh with a bad port', 'ssh://nas/x', {}, { options: { keyfile: '/k', port: '22x' } }, /'port = 22x' must be/],
    [
      'ssh password in the url',
      'ssh://u:pw@nas/x',
      {},
      { options: { keyfile: '/k' } },
      /DVC_REMOTE_PASSWORD, not in the url/,
    ],
    [
      'gs anonymous without an endpoint',
      'gs://b',
      { allow_anonymous_login: 'true' },
      {},
      /anonymous client cannot write.*DVC_REMOTE_CREDENTIALPATH/,
    ],
  ])('refuses %s', (_name, url, options, overrides, message) => {
    const run = () => resolve(url, options, overrides);
    expect(run).toThrow(DvcConfigError);
    expect(run).toThrow(message);
  });

  it('never puts a credential in a refusal', () => {
    const secrets = { connection_string: AZURITE, password: 'pw-7f3a', sas_token: 'sig-99x', account_key: 'k-2b' };
    const messages = [
      () => resolve('azure://c', {}, { options: { ...secrets, port: '1' } }),
      () => resolve('ssh://h/x', {}, { options: { password: secrets.password, port: 'x' } }),
      () => resolve('/local', {}, { options: secrets }),
    ].map((run) => {
      try {
        run();
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      }
    });
    for (const message of messages) {
      expect(message).not.toBe('accepted');
      for (const secret of Object.values(secrets)) expect(message).not.toContain(secret);
    }
  });
});
