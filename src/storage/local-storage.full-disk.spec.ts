import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDiskFull } from '../common/disk-full.js';
import { LocalStorageBackend } from './local-storage.backend.js';
import type { ObjectIndex } from './object-index.repository.js';
import { storageLayout } from './storage-layout.js';
import { putInput, tempFilesLeft } from './storage-test.helpers.js';

/**
 * A refused write on a full disk must leave no journal row, even when the rollback of its row is refused too
 * (SQLite's SQLITE_FULL): the suite test/reliability/full-disk.e2e-spec.ts fills a real filesystem, but on tmpfs a
 * rename never needs space, so this one case is provoked here: the file step fails (a foreign folder in the way)
 * and the database refuses the rollback while "full".
 */
describe('LocalStorageBackend when even the rollback of a refused write cannot be written', () => {
  let dataDir: string;
  let storage: LocalStorageBackend;
  let refuseRollbacks = 0;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'storage-full-'));
    storage = new LocalStorageBackend({ dataDir });
    await storage.onModuleInit();
    const index = (storage as unknown as { index: ObjectIndex }).index;
    const undo = index.undo.bind(index);
    index.undo = (intent) => {
      if (refuseRollbacks > 0) {
        refuseRollbacks--;
        throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      }
      undo(intent);
    };
  });
  afterEach(async () => {
    await storage.onApplicationShutdown();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('the row is taken back before any later write, which fails while it cannot be; no journal row, no restart', async () => {
    await storage.putObject(putInput('kept', 'acknowledged before'));
    // Something that is not an object sits where "blocked" would go: the rename fails after the row was journaled.
    await mkdir(join(storageLayout(dataDir).objectsDir, 'blocked'));
    await writeFile(join(storageLayout(dataDir).objectsDir, 'blocked', 'foreign'), 'not ours');
    refuseRollbacks = 2;

    await expect(storage.putObject(putInput('blocked', 'refused'))).rejects.toThrow(); // rollback 1 refused
    const second = await storage.putObject(putInput('later', 'while still full')).catch((error: unknown) => error);
    expect(isDiskFull(second)).toBe(true); // rollback 2 refused: the write is refused, before it journals anything

    const third = await storage.putObject(putInput('later', 'space is back')); // the rollback goes through first
    expect(third.key).toBe('later');
    expect((await storage.listObjects({ prefix: '', limit: 1000 })).map((o) => o.key)).toEqual(['kept', 'later']);
    expect((await storage.changesSince(0)).map((c) => [c.key, c.op])).toEqual([
      ['kept', 'put'],
      ['later', 'put'],
    ]);
    expect(await tempFilesLeft(storageLayout(dataDir).tmpDir)).toEqual([]);
  });
});
