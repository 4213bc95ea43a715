import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { closeSync, fstatSync, writeSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setImmediate as turn } from 'node:timers/promises';
import { READY_TEMP_FILES, TempFiles } from './temp-files.js';

/** Lets the opens started on libuv's thread pool finish. */
async function settled(dir: string, count: number): Promise<void> {
  for (let i = 0; i < 500 && (await readdir(dir)).length < count; i++) await turn();
}

describe('TempFiles', () => {
  let dir: string;
  let temps: TempFiles;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'temp-files-'));
    temps = new TempFiles(dir);
  });
  afterEach(async () => {
    await temps.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates nothing before the first file is asked for (an idle bucket holds no descriptor)', async () => {
    await turn();
    expect(await readdir(dir)).toEqual([]);
  });

  it('hands out files created ahead, open for writing, empty, each a new path', async () => {
    const first = temps.take();
    expect(first.fd).toBeUndefined(); // nothing was ready: the caller creates it
    expect(dirname(first.path)).toBe(dir);
    await settled(dir, READY_TEMP_FILES);
    expect(await readdir(dir)).toHaveLength(READY_TEMP_FILES);

    const paths = new Set<string>();
    for (let i = 0; i < READY_TEMP_FILES; i++) {
      const file = temps.take();
      expect(file.fd).toBeDefined();
      expect(fstatSync(file.fd!).size).toBe(0);
      writeSync(file.fd!, 'bytes');
      closeSync(file.fd!);
      expect((await stat(file.path)).size).toBe(5); // the descriptor is the file at that path
      paths.add(file.path);
    }
    expect(paths.size).toBe(READY_TEMP_FILES);
  });

  it('removes the ready files on close, and creates none after it', async () => {
    temps.take();
    await temps.close(); // some may still be being created: those are removed once they are
    expect(await readdir(dir)).toEqual([]);
    expect(temps.take().fd).toBeUndefined();
    await turn();
    expect(await readdir(dir)).toEqual([]);
  });

  it('holds at most 128 ready files in the whole process, whatever the number of buckets', async () => {
    const dirs = await Promise.all(Array.from({ length: 20 }, (_, i) => mkdtemp(join(dir, `bucket-${i}-`))));
    const buckets = dirs.map((d) => new TempFiles(d));
    try {
      for (const bucket of buckets) bucket.take();
      const count = async () => (await Promise.all(dirs.map((d) => readdir(d)))).flat().length;
      for (let i = 0; i < 500 && (await count()) < 128; i++) await turn();
      for (let i = 0; i < 20; i++) await turn();
      expect(await count()).toBe(128); // 16 buckets' worth: the last 4 create their own files
      expect(buckets.filter((b) => b.take().fd === undefined)).toHaveLength(4);
    } finally {
      await Promise.all(buckets.map((b) => b.close()));
    }
  });

  it('a file that cannot be created ahead is no error: the caller creates its own', async () => {
    await rm(dir, { recursive: true });
    expect(temps.take().fd).toBeUndefined();
    for (let i = 0; i < 20; i++) await turn();
    expect(temps.take().fd).toBeUndefined();
  });
});
