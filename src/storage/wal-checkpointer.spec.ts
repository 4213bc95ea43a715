import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectIndex } from './object-index.repository.js';
import { WalCheckpointer } from './wal-checkpointer.js';

describe('WalCheckpointer', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wal-checkpointer-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  // SQLite's own checkpoint is off (it ran inside a commit, on the event loop): without these, the WAL would grow by
  // every page ever written. 8 writers without pause, as PUTs under load: the WAL must still start over.
  it('keeps the WAL bounded under writes that never pause, and loses no row', async () => {
    const path = join(dir, 'storage.db');
    const index = ObjectIndex.alone(path);
    let next = 0;
    let largestWal = 0;
    const writer = async () => {
      for (let i = 0; i < 1500; i++) {
        const key = `ls/${next++}.json`;
        const intent = await index.batched(() =>
          index.beginPut(
            { key, size: 2048, md5: 'm', lastModified: new Date(), userMetadata: {}, checksums: {} },
            '/tmp/t',
          ),
        );
        index.markDone(intent);
        if (i % 100 === 0) largestWal = Math.max(largestWal, statSync(`${path}-wal`).size);
      }
    };
    await Promise.all(Array.from({ length: 8 }, writer));
    expect(index.count()).toBe(12_000);
    // 12,000 puts write some 10,000 pages (40 MiB of WAL); it starts over past 4096 frames (16 MiB), or a little
    // later when a loaded machine slows the checkpoint down.
    expect(largestWal).toBeLessThan(32 * 1024 * 1024); // without: 42 MB (checked)
    expect(largestWal).toBeGreaterThan(0);
    index.close();
    const reopened = ObjectIndex.alone(path);
    expect(reopened.count()).toBe(12_000);
    reopened.close();
  }, 60_000);

  it('checkpoints on the caller’s connection when the worker cannot run, and never pauses writes for it', async () => {
    let fallbacks = 0;
    const checkpoints = new WalCheckpointer(join(dir, 'missing', 'storage.db'), () => fallbacks++, 1);
    checkpoints.committed(); // starts the worker, which cannot open the database
    for (const started = Date.now(); fallbacks === 0; await new Promise((resolve) => setTimeout(resolve, 20))) {
      if (Date.now() - started > 30_000) throw new Error('the fallback never ran');
      checkpoints.committed();
    }
    expect(checkpoints.paused).toBeUndefined();
    checkpoints.close();
  }, 40_000);
});
