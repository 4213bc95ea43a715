import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mountCaselessFolder, type CaselessFolder } from './harness/caseless-folder.js';
import { clientOf, putAnswer, type PutAnswer } from './harness/s3-answers.js';
import { startService, withLogs, type RunningService } from '../support/service.js';
import { removeTempRoots } from '../dvc/dvc-repo.harness.js';
import { flush } from '../sync/harness/admin-client.js';
import { gitCloneAndDvcPull, IN_SYNC } from '../sync/harness/pulled-dataset.js';

/**
 * DATA_DIR on a file system that does not tell letter case apart (a macOS folder, e.g. bind-mounted into Docker
 * Desktop, or a native run there). Keys are case-sensitive in S3, but "Photo.json" and "photo.json" would be one
 * file there: without a check, the second PUT replaced the first object's bytes under its row, and a GET of
 * "Photo.json" answered the other object's bytes. The service refuses the second key instead (409 KeyCaseConflict)
 * and keeps the first whole. DATA_DIR/state (SQLite) is a symlink to the real disk: SQLite's WAL cannot run on the
 * test's FUSE folder (test/tools/caseless-fs says why).
 */
const DATASET = 'data/annotations';

let folder: CaselessFolder | undefined;
let stateDir: string | undefined;
let service: RunningService | undefined;
let client: S3Client;

beforeAll(async () => {
  folder = await mountCaselessFolder();
  const dataDir = join(folder.dir, 'data');
  mkdirSync(dataDir);
  stateDir = mkdtempSync(join(tmpdir(), 'dvc-sync-caseless-state-'));
  symlinkSync(stateDir, join(dataDir, 'state'));
  service = await startService({ dataDir, env: { DVC_DATASET_PATH: DATASET } });
  client = clientOf(service);
});

afterAll(async () => {
  client?.destroy();
  try {
    await service?.stop();
  } finally {
    folder?.remove();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    removeTempRoots();
  }
});

function put(key: string, body: string): Promise<PutAnswer> {
  return putAnswer(client, service!.bucket, key, body);
}

async function get(key: string): Promise<string> {
  const answer = await client.send(new GetObjectCommand({ Bucket: service!.bucket, Key: key }));
  return answer.Body!.transformToString();
}

async function keys(): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: service!.bucket }));
  return (page.Contents ?? []).map((c) => c.Key!).sort();
}

describe('DATA_DIR on a file system that does not tell letter case apart', () => {
  it('says so at startup', () => {
    expect(service!.logs()).toMatch(/does not tell letter case apart/);
  });

  it('refuses a key that differs from a stored one only in letter case, and keeps the stored one whole', () =>
    withLogs(service!, async () => {
      expect(await put('labels/Photo.json', '{"v": "upper"}')).toBe('ok');
      expect(await put('labels/photo.json', '{"v": "lower"}')).toMatchObject({
        status: 409,
        code: 'KeyCaseConflict',
        message: expect.stringContaining('labels/photo.json'),
      });
      expect(await get('labels/Photo.json')).toBe('{"v": "upper"}');
      expect(await keys()).toEqual(['labels/Photo.json']);
      // The stored key itself is overwritten as usual.
      expect(await put('labels/Photo.json', '{"v": "upper, again"}')).toBe('ok');
      expect(await get('labels/Photo.json')).toBe('{"v": "upper, again"}');
    }));

  it('refuses a key below a stored object of another spelling, and a key over stored objects of another', () =>
    withLogs(service!, async () => {
      expect(await put('deep/Leaf', 'a file')).toBe('ok');
      expect(await put('deep/leaf/below.json', 'x')).toMatchObject({ status: 409, code: 'KeyCaseConflict' });
      expect(await put('tree/Branch/a.json', 'x')).toBe('ok');
      expect(await put('tree/branch', 'x')).toMatchObject({ status: 409, code: 'KeyCaseConflict' });
      expect(await get('deep/Leaf')).toBe('a file');
      expect(await keys()).toEqual(expect.not.arrayContaining(['deep/leaf/below.json', 'tree/branch']));
    }));

  it('takes the other spelling once the stored key is deleted', () =>
    withLogs(service!, async () => {
      expect(await put('other/Name.json', '1')).toBe('ok');
      await client.send(new DeleteObjectCommand({ Bucket: service!.bucket, Key: 'other/Name.json' }));
      expect(await put('other/name.json', '2')).toBe('ok');
      expect(await get('other/name.json')).toBe('2');
    }));

  it('of two spellings written at once, stores one whole and refuses the other', () =>
    withLogs(service!, async () => {
      for (let round = 0; round < 10; round++) {
        const [upper, lower] = await Promise.all([
          put(`race/R${round}.json`, 'upper'),
          put(`race/r${round}.json`, 'lower'),
        ]);
        const answers = [upper, lower];
        expect(answers.filter((a) => a === 'ok')).toHaveLength(1);
        expect(answers.find((a) => a !== 'ok')).toMatchObject({ code: 'KeyCaseConflict' });
        const [stored] = (await keys()).filter((k) => k.toLowerCase() === `race/r${round}.json`);
        expect(await get(stored)).toBe(stored === `race/R${round}.json` ? 'upper' : 'lower');
      }
    }));

  it('keeps what it acknowledged over a restart', () =>
    withLogs(service!, async () => {
      await service!.restart();
      expect(await get('labels/Photo.json')).toBe('{"v": "upper, again"}');
      expect(await put('labels/PHOTO.json', 'x')).toMatchObject({ code: 'KeyCaseConflict' });
    }));
  it('commits what it stored: git clone + dvc pull give each key its own bytes', () =>
    withLogs(service!, async () => {
      const status = await flush(service!);
      expect({ lastError: status.lastError, pending: status.pending }).toEqual({ lastError: null, pending: 0 });
      const stored = await keys();
      expect(stored.length).toBeGreaterThan(10);
      const pulled = await gitCloneAndDvcPull(join(folder!.dir, 'data', 'repo.git'));
      const files = pulled.directory(DATASET);
      expect(Object.keys(files).sort()).toEqual(stored);
      for (const key of stored) expect(files[key].toString()).toBe(await get(key));
      expect(await pulled.syncState()).toEqual(IN_SYNC);
    }));
});
