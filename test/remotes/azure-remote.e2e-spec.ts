import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { AzureDvcRemote } from '../../src/dvc/azure.dvc-remote.js';
import { DvcRemoteError } from '../../src/dvc/dvc-remote.error.js';
import { md5Hex } from '../../src/dvc/md5.util.js';
import type { AzureRemoteSpec } from '../../src/dvc/remote-spec.types.js';
import { removeTempRoots } from '../dvc/dvc-repo.harness.js';
import { describeDvcRemoteContract } from '../dvc/dvc-remote.contract.js';
import { startAzurite, type AzuriteServer } from '../support/azurite-server.js';
import { describeRemoteKindEndToEnd } from './remote-kind.scenarios.js';

/**
 * The Azure Blob remote against Azurite (the Azure Storage emulator), started here: the remote contract, the blob
 * names, a missing container, and the service end to end with dvc-azure.
 */
let azurite: AzuriteServer;
let runs = 0;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
  removeTempRoots();
});

const uniquePrefix = (label: string) => `${label}-${++runs}/store`;

function azureRemote(prefix: string, changes: Partial<AzureRemoteSpec> = {}): AzureDvcRemote {
  return new AzureDvcRemote({
    kind: 'azure',
    name: 'storage',
    container: azurite.container,
    prefix,
    credentials: { kind: 'connection_string', connectionString: azurite.connectionString() },
    timeoutMs: 20_000,
    attempts: 2,
    ...changes,
  });
}

describeDvcRemoteContract('Azure Blob (Azurite)', () => azureRemote(uniquePrefix('contract')));

describe('Azure remote, on Azurite', () => {
  it('names blobs <prefix>/files/md5/xx/rest, nothing else, and stores nothing for refused bytes', async () => {
    const prefix = uniquePrefix('layout');
    const remote = azureRemote(prefix);
    await remote.upload('d751713988987e9331980363e24189ce.dir', () => Buffer.from('[]'));
    await remote.upload(md5Hex('foo'), () => Readable.from([Buffer.from('f'), Buffer.from('oo')]));
    await expect(remote.upload(md5Hex('x'), () => Buffer.from('not x'))).rejects.toThrow(DvcRemoteError);
    expect((await azurite.list(`${prefix.split('/')[0]}/`)).sort()).toEqual([
      `${prefix}/files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8`,
      `${prefix}/files/md5/d7/51713988987e9331980363e24189ce.dir`,
    ]);
  });

  it('says that the container is missing, and with which endpoint, without the account key', async () => {
    const remote = azureRemote('x', { container: 'no-such-container' });
    const health = await remote.check();
    expect(health.ok).toBe(false);
    expect(health.error).toContain(
      `azure://no-such-container/x (remote 'storage', endpoint http://127.0.0.1:${azurite.port}/devstoreaccount1)`,
    );
    expect(health.error).toContain("the container 'no-such-container' does not exist");
    expect(health.error).not.toContain(azurite.accountKey);
    await expect(remote.upload(md5Hex('foo'), () => Buffer.from('foo'))).rejects.toThrow(/does not exist/);
  });
});

describeRemoteKindEndToEnd('Azure Blob', () => ({
  targetPort: azurite.port,
  dvcRemote: (name) => {
    const prefix = uniquePrefix(name);
    const viaEnv = name === 'dir'; // one repository takes the SDK's own variable, the others DVC_REMOTE_*
    return {
      url: `azure://${azurite.container}/${prefix}`,
      committedOptions: {},
      configLocal: `connection_string = '${azurite.connectionString()}'\n`,
      serviceEnv: (viaPort): Record<string, string> =>
        viaEnv
          ? { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString(viaPort) }
          : { DVC_REMOTE_CONNECTION_STRING: azurite.connectionString(viaPort) },
      objectNames: async () =>
        (await azurite.list(`${prefix}/files/md5/`)).map((blob) => blob.slice(`${prefix}/files/md5/`.length)),
      secrets: [azurite.accountKey],
    };
  },
}));
