import { describe, expect, it } from '@jest/globals';
import { DvcConfigError } from './dvc-config.error.js';
import { DvcRemoteFactory } from './dvc-remote.factory.js';
import { AzureDvcRemote } from './azure.dvc-remote.js';
import { GcsDvcRemote } from './gcs.dvc-remote.js';
import { S3DvcRemote } from './s3.dvc-remote.js';
import { SshDvcRemote } from './ssh.dvc-remote.js';

const factoryWith = async (
  settings: Partial<ConstructorParameters<typeof DvcRemoteFactory>[0]>,
): Promise<DvcRemoteFactory> => new DvcRemoteFactory({ remoteOptions: {}, sdkEnvironment: {}, ...settings });
const config =
  '[core]\n  remote = storage\n[\'remote "storage"\']\n  url = s3://team-bucket/dvcstore\n  endpointurl = http://127.0.0.1:9\n[remote "nas"]\n  url = /mnt/nas/dvc\n';

describe('DvcRemoteFactory', () => {
  it('builds the remote named by the branch .dvc/config, described without secrets', async () => {
    const factory = await factoryWith({
      remoteOptions: { access_key_id: 'AKIAENV', secret_access_key: 'very-secret' },
    });
    const remote = factory.forRepository({ config });
    expect(remote).toBeInstanceOf(S3DvcRemote);
    expect(remote.describe()).toBe("s3://team-bucket/dvcstore (remote 'storage', endpoint http://127.0.0.1:9)");
    expect(factory.resolve({ config })).toMatchObject({
      credentials: { accessKeyId: 'AKIAENV', secretAccessKey: 'very-secret' },
    });
    factory.close();
  });

  it("follows the output's remote, and DVC_REMOTE_URL over everything", async () => {
    expect((await factoryWith({})).forRepository({ config, outRemote: 'nas' }).describe()).toBe(
      "local folder /mnt/nas/dvc (remote 'nas')",
    );
    expect(
      (await factoryWith({ remoteUrl: '/srv/remote' })).forRepository({ config, outRemote: 'nas' }).describe(),
    ).toBe('local folder /srv/remote');
  });

  it('reuses the remote while the settings stay the same', async () => {
    const factory = await factoryWith({});
    const first = factory.forRepository({ config, outRemote: 'nas' });
    expect(factory.forRepository({ config, outRemote: 'nas' })).toBe(first);
    expect(factory.forRepository({ config: config.replace('/mnt/nas/dvc', '/mnt/nas2'), outRemote: 'nas' })).not.toBe(
      first,
    );
  });

  it('explains a repository without a remote', async () => {
    const factory = await factoryWith({});
    expect(() => factory.forRepository({})).toThrow(DvcConfigError);
    expect(() => factory.forRepository({})).toThrow(/dvc remote add -d storage <url>/);
  });

  it.each([
    [
      'gs://team-bucket/dvc',
      { credentialpath: '/secrets/sa.json' },
      GcsDvcRemote,
      "gs://team-bucket/dvc (remote 'storage')",
    ],
    [
      'azure://labels/dvc',
      { account_name: 'acct', sas_token: 'sv=1&sig=SECRETSIG' },
      AzureDvcRemote,
      "azure://labels/dvc (remote 'storage', endpoint https://acct.blob.core.windows.net)",
    ],
    [
      'ssh://dvc@nas:2222/srv/store',
      { password: 'SECRETPW', known_hosts: '/etc/kh' },
      SshDvcRemote,
      "ssh://dvc@nas:2222/srv/store (remote 'storage')",
    ],
  ])(
    'builds %s from .dvc/config and DVC_REMOTE_* options, described without secrets',
    async (url, remoteOptions, type, shown) => {
      const factory = await factoryWith({ remoteOptions });
      const remote = factory.forRepository({
        config: `[core]\n remote = storage\n[remote "storage"]\n url = ${url}\n`,
      });
      expect(remote).toBeInstanceOf(type);
      expect(remote.describe()).toBe(shown);
      factory.close();
    },
  );
});
