import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { DvcRemoteError } from '../../src/dvc/dvc-remote.error.js';
import { GcsDvcRemote } from '../../src/dvc/gcs.dvc-remote.js';
import { md5Hex } from '../../src/dvc/md5.util.js';
import type { GcsRemoteSpec } from '../../src/dvc/remote-spec.types.js';
import { removeTempRoots } from '../dvc/dvc-repo.harness.js';
import { describeDvcRemoteContract } from '../dvc/dvc-remote.contract.js';
import { startGcsEmulator, type GcsEmulator } from '../support/gcs-emulator.js';
import { describeRemoteKindEndToEnd } from './remote-kind.scenarios.js';

/**
 * The Google Cloud Storage remote against gcp-storage-emulator (the GCS JSON API), started here: the remote
 * contract, the object names, a missing bucket, and the service end to end with dvc-gs.
 */
let gcs: GcsEmulator;
let runs = 0;
beforeAll(async () => {
  gcs = await startGcsEmulator();
});
afterAll(async () => {
  await gcs?.stop();
  removeTempRoots();
});

const uniquePrefix = (label: string) => `${label}-${++runs}/store`;

function gcsRemote(prefix: string, changes: Partial<GcsRemoteSpec> = {}): GcsDvcRemote {
  return new GcsDvcRemote({
    kind: 'gs',
    name: 'storage',
    bucket: gcs.bucket,
    prefix,
    endpoint: gcs.endpoint,
    timeoutMs: 20_000,
    attempts: 2,
    ...changes,
  });
}

describeDvcRemoteContract('Google Cloud Storage (gcp-storage-emulator)', () => gcsRemote(uniquePrefix('contract')));

describe('GCS remote, on the emulator', () => {
  it('names objects <prefix>/files/md5/xx/rest, nothing else, and stores nothing for refused bytes', async () => {
    const prefix = uniquePrefix('layout');
    const remote = gcsRemote(prefix);
    await remote.upload('d751713988987e9331980363e24189ce.dir', () => Buffer.from('[]'));
    await remote.upload(md5Hex('foo'), () => Readable.from([Buffer.from('f'), Buffer.from('oo')]));
    await expect(remote.upload(md5Hex('x'), () => Buffer.from('not x'))).rejects.toThrow(DvcRemoteError);
    expect(gcs.list(`${prefix.split('/')[0]}/`).sort()).toEqual([
      `${prefix}/files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8`,
      `${prefix}/files/md5/d7/51713988987e9331980363e24189ce.dir`,
    ]);
  });

  it('reports a bucket that does not exist in check()', async () => {
    const health = await gcsRemote('x', { bucket: 'no-such-bucket' }).check();
    expect(health.ok).toBe(false);
    expect(health.error).toContain(`gs://no-such-bucket/x (remote 'storage', endpoint ${gcs.endpoint})`);
    expect(health.error).toMatch(/404/);
  });
});

describeRemoteKindEndToEnd('Google Cloud Storage', () => ({
  targetPort: gcs.port,
  dvcRemote: (name) => {
    const prefix = uniquePrefix(name);
    return {
      url: `gs://${gcs.bucket}/${prefix}`,
      // The team's config names the server; a data scientist reaches the emulator without Google sign-in.
      committedOptions: { endpointurl: gcs.endpoint },
      configLocal: 'allow_anonymous_login = true\n',
      serviceEnv: (viaPort): Record<string, string> =>
        viaPort ? { DVC_REMOTE_ENDPOINTURL: `http://127.0.0.1:${viaPort}` } : {},
      objectNames: () => gcs.list(`${prefix}/files/md5/`).map((name) => name.slice(`${prefix}/files/md5/`.length)),
      secrets: [],
    };
  },
}));
