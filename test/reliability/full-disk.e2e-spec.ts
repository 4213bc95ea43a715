import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { READY_TEMP_FILES } from '../../src/storage/temp-files.js';
import { readTree, removeTempRoots } from '../dvc/dvc-repo.harness.js';
import { git } from '../support/git-http-server.js';
import { runCommand } from '../support/run-command.js';
import { toolPaths } from '../support/tools.js';
import { clientOf, putAnswer, type PutAnswer } from './harness/s3-answers.js';
import { startService, withLogs, type RunningService } from '../support/service.js';
import { flush, syncStatus } from '../sync/harness/admin-client.js';
import { gitCloneAndDvcPull, IN_SYNC } from '../sync/harness/pulled-dataset.js';
import { freeBytes, mountSmallDisk, type SmallDisk } from './harness/tmpfs.js';

/**
 * DATA_DIR on a 4 MiB filesystem, filled by PUTs: the objects, the SQLite journal and state, the embedded
 * repository and its DVC remote all live there. A write that cannot be stored durably answers 503 SlowDown and
 * leaves nothing behind; what was acknowledged stays readable and is committed once space returns, with no
 * restart.
 */
const DATASET = 'data/annotations';

let disk: SmallDisk | undefined;
let service: RunningService | undefined;
let client: S3Client;

beforeAll(async () => {
  disk = mountSmallDisk('4m');
  service = await startService({ dataDir: disk.dir, env: { DVC_DATASET_PATH: DATASET } });
  client = clientOf(service);
});

afterAll(async () => {
  client?.destroy();
  try {
    await service?.stop();
  } finally {
    disk?.remove(); // unmounted even when the service could not be stopped cleanly
    removeTempRoots();
  }
});

function put(key: string, body: Buffer): Promise<PutAnswer> {
  return putAnswer(client, service!.bucket, key, body);
}

async function get(key: string): Promise<Buffer> {
  const answer = await client.send(new GetObjectCommand({ Bucket: service!.bucket, Key: key }));
  return Buffer.from(await answer.Body!.transformToByteArray());
}

async function listKeys(): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: service!.bucket, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((c) => c.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

const sorted = (keys: Iterable<string>) => [...keys].sort();

/** boto3 (what Label Studio uses), standard retry mode: one PUT; prints the error code and how often it retried. */
const BOTO3_PUT = `
import sys, boto3
from botocore.config import Config
from botocore.exceptions import ClientError
url, key_id, secret, bucket = sys.argv[1:5]
s3 = boto3.client('s3', endpoint_url=url, aws_access_key_id=key_id, aws_secret_access_key=secret, region_name='us-east-1',
                  config=Config(retries={'mode': 'standard', 'total_max_attempts': 3}, s3={'addressing_style': 'path'}))
try:
    s3.put_object(Bucket=bucket, Key='fill/boto3.bin', Body=b'x' * 200000)
    print('stored')
except ClientError as e:
    print(e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'], e.response['ResponseMetadata']['RetryAttempts'])
`;

describe('DATA_DIR on a full disk', () => {
  const acknowledged = new Map<string, Buffer>();
  const refusals: Array<{ status?: number; code: string; message: string }> = [];

  it('fills up: writes that cannot be stored answer 503 SlowDown; nothing partial is left; acknowledged ones read back', async () => {
    await withLogs(service!, async () => {
      const first = { 'labels/before-1.json': Buffer.from('{"before": 1}\n') };
      for (const [key, body] of Object.entries(first)) {
        expect(await put(key, body)).toBe('ok');
        acknowledged.set(key, body);
      }
      const committed = await flush(service!);
      expect(committed.lastError).toBeNull();

      // Big bodies until the file data no longer fits, then empty ones until the SQLite journal no longer does.
      for (const [size, label] of [
        [96 * 1024, 'big'],
        [0, 'empty'],
      ] as const) {
        let consecutive = 0;
        for (let i = 0; consecutive < 4 && i < 2000; i++) {
          const key = `fill/${label}-${i}.bin`;
          const body = randomBytes(size);
          const answer = await put(key, body);
          if (answer === 'ok') {
            acknowledged.set(key, body);
            consecutive = 0;
          } else {
            refusals.push(answer);
            consecutive++;
          }
        }
        expect(consecutive).toBe(4); // the disk did fill up
      }
      expect(freeBytes(disk!.dir)).toBeLessThan(96 * 1024);
      expect(new Set(refusals.map((r) => `${r.status} ${r.code}`))).toEqual(new Set(['503 SlowDown']));
      for (const refusal of refusals) expect(refusal.message).toMatch(/disk is full/);

      // Label Studio's client: boto3 retries the 503 (twice: 3 attempts in all, standard mode), then reports SlowDown.
      const { accessKeyId, secretAccessKey, bucket, url } = service!;
      const boto3 = await runCommand(toolPaths().python, ['-c', BOTO3_PUT, url, accessKeyId, secretAccessKey, bucket]);
      expect([boto3.stdout.trim(), boto3.stderr]).toEqual(['SlowDown 503 2', '']);

      // Nothing partial: no temp file holding bytes (the empty ones kept ready for the next PUTs, at most
      // READY_TEMP_FILES, are not leftovers: src/storage/temp-files.ts), no object file and no listed key beyond the
      // acknowledged writes.
      const temps = filesUnder(join(disk!.dir, 'tmp')).filter((name) => !name.startsWith('probe-'));
      const empty = temps.filter((name) => statSync(join(disk!.dir, 'tmp', name)).size === 0);
      expect(temps.filter((name) => !empty.includes(name))).toEqual([]);
      expect(empty.length).toBeLessThanOrEqual(READY_TEMP_FILES);
      expect(filesUnder(join(disk!.dir, 'objects'))).toEqual(sorted(acknowledged.keys()));
      expect(await listKeys()).toEqual(sorted(acknowledged.keys()));
      for (const [key, body] of acknowledged) expect((await get(key)).equals(body)).toBe(true);
    });
  });

  it('says so: /_admin/health answers 503 "error", /_admin/sync shows the storage and the flush failure', async () => {
    await withLogs(service!, async () => {
      const health = await fetch(`${service!.url}/_admin/health`);
      const body = (await health.json()) as { status: string; storage: { ok: boolean; error?: string } };
      expect([health.status, body.status, body.storage.ok]).toEqual([503, 'error', false]);
      expect(body.storage.error).toMatch(/disk of DATA_DIR is full/);

      const tip = git(join(disk!.dir, 'repo.git'), 'rev-parse', 'main').trim();
      const status = await flush(service!);
      expect(status.storage).toEqual({ ok: false, error: expect.stringMatching(/disk of DATA_DIR is full/) });
      expect(status.lastError).toMatch(/disk of DATA_DIR is full/);
      expect(status.pending).toBeGreaterThan(0);
      expect(git(join(disk!.dir, 'repo.git'), 'rev-parse', 'main').trim()).toBe(tip); // no half-made commit
    });
  });

  it('space returns (the volume grows): writes and flushes work again without a restart; the commit holds exactly the acknowledged writes', async () => {
    await withLogs(service!, async () => {
      disk!.resize('64m');
      const after = Buffer.from('{"after": 1}\n');
      expect(await put('labels/after-1.json', after)).toBe('ok');
      acknowledged.set('labels/after-1.json', after);

      const health = await fetch(`${service!.url}/_admin/health`);
      expect(health.status).toBe(200);
      const status = await flush(service!);
      expect({ lastError: status.lastError, pending: status.pending, storage: status.storage }).toEqual({
        lastError: null,
        pending: 0,
        storage: { ok: true },
      });
      expect(status.lastCommit).toBe(git(join(disk!.dir, 'repo.git'), 'rev-parse', 'main').trim());

      const pulled = await gitCloneAndDvcPull(join(disk!.dir, 'repo.git'));
      const files = readTree(join(pulled.dir, DATASET));
      expect(sorted(Object.keys(files))).toEqual(sorted(acknowledged.keys()));
      for (const [key, body] of acknowledged) expect(files[key].equals(body)).toBe(true);
      expect(await pulled.syncState()).toEqual(IN_SYNC);
      expect((await syncStatus(service!)).consecutiveFailures).toBe(0);
    });
  });
});
