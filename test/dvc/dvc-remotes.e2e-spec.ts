import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DvcRemote } from '../../src/dvc/dvc.remote.js';
import { LocalDvcRemote } from '../../src/dvc/local.dvc-remote.js';
import { md5Hex } from '../../src/dvc/md5.util.js';
import { S3DvcRemote } from '../../src/dvc/s3.dvc-remote.js';
import { startMotoServer, type MotoServer } from '../support/moto-server.js';
import { removeTempRoots, tempRoot } from './dvc-repo.harness.js';
import { describeDvcRemoteContract } from './dvc-remote.contract.js';

let moto: MotoServer;
const s3Remotes: S3DvcRemote[] = [];
beforeAll(async () => {
  moto = await startMotoServer();
});
afterAll(async () => {
  removeTempRoots();
  s3Remotes.forEach((remote) => remote.close());
  await moto?.stop();
});

function s3Remote(prefix: string, bucket = moto.bucket): S3DvcRemote {
  const remote = new S3DvcRemote({
    kind: 's3',
    name: 'storage',
    bucket,
    prefix,
    endpoint: moto.endpoint,
    region: 'us-east-1',
    useSsl: true,
    sslVerify: true,
    credentials: { accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey },
    timeoutMs: 60_000,
    attempts: 4,
  });
  s3Remotes.push(remote);
  return remote;
}

const remotes: [string, () => DvcRemote][] = [
  ['local folder', () => new LocalDvcRemote(join(tempRoot('remote'), 'store'), 'storage')],
  ['S3 (moto)', () => s3Remote(`run-${Date.now()}-${Math.random().toString(36).slice(2)}/dvcstore`)],
];

for (const [name, makeRemote] of remotes) describeDvcRemoteContract(name, makeRemote);

describe('local folder remote, on disk', () => {
  it('lays objects out as DVC does: files/md5/xx/rest, read-only, no temp files left', async () => {
    const root = join(tempRoot('local-layout'), 'store');
    const remote = new LocalDvcRemote(root);
    const dir = Buffer.from('[]');
    await remote.upload('d751713988987e9331980363e24189ce.dir', () => dir);
    await remote.upload(md5Hex('foo'), () => Buffer.from('foo'));
    await remote.upload(md5Hex('x'), () => Buffer.from('not x')).catch(() => undefined);
    // Objects are staged until syncUploads makes them durable and names them (pushDataset calls it before the .dir).
    await remote.syncUploads();
    const path = join(root, 'files', 'md5', 'd7', '51713988987e9331980363e24189ce.dir');
    expect(statSync(path).mode & 0o777).toBe(0o444);
    expect(readdirSync(join(root, 'files', 'md5')).sort()).toEqual(['9d', 'ac', 'd7']);
    expect(readdirSync(join(root, 'files', 'md5', '9d'))).toEqual([]); // the refused object left nothing
    expect(readdirSync(join(root, 'files', 'md5', 'ac'))).toEqual(['bd18db4cc2f85cedef654fccc4a4d8']);
  });

  it('reports an unusable folder in check()', async () => {
    const file = join(tempRoot('local-check'), 'a-file');
    writeFileSync(file, '');
    const health = await new LocalDvcRemote(join(file, 'store')).check();
    expect(health.ok).toBe(false);
    expect(health.error).toMatch(/a-file\/store/);
  });
});

describe('S3 remote, on moto', () => {
  it('writes keys under the url prefix, nothing else', async () => {
    const remote = s3Remote('team/dvcstore');
    await remote.upload(md5Hex('foo'), () => Buffer.from('foo'));
    const client = moto.client();
    const listed = await client.send(new ListObjectsV2Command({ Bucket: moto.bucket, Prefix: 'team/' }));
    client.destroy();
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['team/dvcstore/files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8']);
  });

  it('reads a folder listing across pages (more than 1000 objects)', async () => {
    const prefix = `paged-${Date.now()}`;
    const remote = s3Remote(prefix);
    const client = moto.client();
    const seeded = Array.from({ length: 1010 }, (_, i) => `ab${i.toString(16).padStart(30, '0')}`);
    for (let i = 0; i < seeded.length; i += 50) {
      await Promise.all(
        seeded.slice(i, i + 50).map((id) =>
          client.send(
            new PutObjectCommand({
              Bucket: moto.bucket,
              Key: `${prefix}/files/md5/ab/${id.slice(2)}`,
              Body: Buffer.alloc(0),
              ContentLength: 0,
            }),
          ),
        ),
      );
    }
    client.destroy();
    const asked = [
      seeded[0],
      seeded[500],
      seeded[1009],
      `ab${'f'.repeat(30)}`,
      `ab${'0'.repeat(29)}g`.replace('g', '1'),
    ];
    expect(await remote.missing(asked)).toEqual(new Set([`ab${'f'.repeat(30)}`]));
  });

  it('reports an unreachable bucket in check() without any secret', async () => {
    const remote = s3Remote('x', 'no-such-bucket');
    const health = await remote.check();
    expect(health.ok).toBe(false);
    expect(health.error).toMatch(
      /s3:\/\/no-such-bucket\/x \(remote 'storage', endpoint http:\/\/127\.0\.0\.1:\d+\): NoSuchBucket/,
    );
    expect(health.error).not.toContain(moto.secretAccessKey);
    expect(remote.describe()).not.toContain(moto.secretAccessKey);
  });
});
