import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { LocalStorageBackend } from './local-storage.backend.js';
import { StorageError } from './storage.errors.js';
import { filesUnder, tempFilesLeft, md5, putInput, readAll } from './storage-test.helpers.js';

/** A body delivered in several chunks with event-loop turns in between, so that parallel uploads interleave. */
function trickle(bytes: Buffer, pieces = 4): Readable {
  return Readable.from(
    (async function* () {
      const step = Math.ceil(bytes.length / pieces);
      for (let i = 0; i < bytes.length; i += step) {
        await nextTurn();
        yield bytes.subarray(i, i + step);
      }
    })(),
  );
}

describe('LocalStorageBackend under concurrent requests', () => {
  let dataDir: string;
  let storage: LocalStorageBackend;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'storage-concurrency-'));
    storage = new LocalStorageBackend({ dataDir });
    await storage.onModuleInit();
  });
  afterEach(async () => {
    await storage.onApplicationShutdown();
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['trickling in', (b: Buffer) => trickle(b)],
    ['arriving at once', (b: Buffer) => Readable.from([b])],
  ])(
    'ends with exactly one of many parallel bodies of one key (%s), whole, with its own md5',
    async (_how, bodyFor) => {
      for (let round = 0; round < 5; round++) {
        const key = `same/key${round}`;
        const bodies = Array.from({ length: 40 }, (_, i) =>
          Buffer.alloc(1000 + i * 997, `${String.fromCharCode(65 + (i % 26))}${i}`),
        );
        const results = await Promise.all(bodies.map((b) => storage.putObject(putInput(key, bodyFor(b)))));
        const { meta, body } = await storage.getObject(key);
        const bytes = await readAll(body);
        expect(bodies.some((b) => b.equals(bytes))).toBe(true);
        expect(meta.md5).toBe(md5(bytes));
        expect(meta.size).toBe(bytes.length);
        // Last commit wins: the stored version is the last one acknowledged, and each put was journaled.
        const winner = results.find((r) => r.md5 === meta.md5)!;
        expect(winner.lastModified.getTime()).toBe(Math.max(...results.map((r) => r.lastModified.getTime())));
      }
      expect(await storage.changesSince(0)).toHaveLength(200);
      expect((await filesUnder(join(dataDir, 'objects'))).length).toBe(5);
      expect(await tempFilesLeft(join(dataDir, 'tmp'))).toEqual([]);
    },
  );

  it('lets exactly one of "k" and "k/b" win when they race, and the folder agrees', async () => {
    for (let round = 0; round < 20; round++) {
      const [file, child] = await Promise.allSettled([
        storage.putObject(putInput(`r${round}`, trickle(Buffer.from('file'), round % 3))),
        storage.putObject(putInput(`r${round}/b`, trickle(Buffer.from('child'), (round + 1) % 3))),
      ]);
      const fulfilled = [file, child].filter((r) => r.status === 'fulfilled');
      expect(fulfilled).toHaveLength(1);
      const rejected = [file, child].find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toBeInstanceOf(StorageError);
      expect(['ObjectParentIsFile', 'ObjectIsParent']).toContain((rejected.reason as StorageError).code);
      const fileWon = file.status === 'fulfilled';
      expect((await stat(join(dataDir, 'objects', `r${round}`))).isFile()).toBe(fileWon);
      const winnerKey = fileWon ? `r${round}` : `r${round}/b`;
      expect((await readAll((await storage.getObject(winnerKey)).body)).toString()).toBe(fileWon ? 'file' : 'child');
    }
    expect(await storage.countObjects()).toBe(20);
    expect(await storage.lastSeq()).toBe(20);
  });

  it('keeps a put into a folder that a parallel delete empties', async () => {
    for (let round = 0; round < 30; round++) {
      await storage.putObject(putInput(`d${round}/x/old`, 'old'));
      await Promise.all([
        storage.deleteObject(`d${round}/x/old`),
        storage.putObject(putInput(`d${round}/x/new`, trickle(Buffer.from('new'), round % 3))),
      ]);
      expect((await readAll((await storage.getObject(`d${round}/x/new`)).body)).toString()).toBe('new');
    }
    expect((await filesUnder(join(dataDir, 'objects'))).length).toBe(30);
  });

  it('journals each acknowledged change exactly once under parallel load', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `load/${i % 20}`);
    await Promise.all(keys.map((key, i) => storage.putObject(putInput(key, trickle(Buffer.from(`v${i}`), 2)))));
    await Promise.all(keys.slice(0, 20).map((key) => storage.deleteObject(key)));
    const changes = await storage.changesSince(0);
    expect(changes.filter((c) => c.op === 'put')).toHaveLength(60);
    expect(changes.filter((c) => c.op === 'delete')).toHaveLength(20);
    expect(changes.map((c) => c.seq)).toEqual([...changes.map((c) => c.seq)].sort((a, b) => a - b));
    expect(await storage.countObjects()).toBe(0);
    expect(await filesUnder(join(dataDir, 'objects'))).toEqual([]);
  });
});
