import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { closeSync, fstatSync, writeSync } from 'node:fs';
import { mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setImmediate as turn, setTimeout as sleep } from 'node:timers/promises';
import { fsyncDir } from '../common/fsync-dir.js';
import { ReadyFilesBudget } from './ready-files.budget.js';
import { filesUnder, until } from './storage-test.helpers.js';
import { READY_TEMP_FILES, TempFiles, type TempFile } from './temp-files.js';

/** The real fsync of a folder, recorded, and held while `held` (a power cut could then still lose the names). */
function gatedFsync() {
  const gate = {
    calls: [] as string[],
    ended: 0,
    held: false,
    fail: undefined as Error | undefined,
    waiting: [] as Array<() => void>,
  };
  const fsync = async (dir: string) => {
    gate.calls.push(dir);
    if (gate.held) await new Promise<void>((resolve) => gate.waiting.push(resolve));
    if (gate.fail) throw gate.fail;
    await fsyncDir(dir);
    gate.ended++;
  };
  const release = () => {
    gate.held = false;
    for (const resolve of gate.waiting.splice(0)) resolve();
  };
  return { gate, fsync, release };
}

/** The first batch fsyncs tmp/ (for the slot folders' entries) and its slot; every later one its slot only. */
const fsyncsFor = (batches: number) => batches + 1;

describe('TempFiles', () => {
  let dir: string;
  let temps: TempFiles;
  let fsyncs: ReturnType<typeof gatedFsync>;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'temp-files-'));
    fsyncs = gatedFsync();
    temps = new TempFiles(dir, new ReadyFilesBudget(128), fsyncs.fsync);
  });
  afterEach(async () => {
    fsyncs.release();
    await temps.close();
    await rm(dir, { recursive: true, force: true });
  });
  const batchesReady = (count: number) => until(() => fsyncs.gate.ended >= fsyncsFor(count)).then(turn);
  let out: string;
  beforeEach(async () => (out = await mkdtemp(join(tmpdir(), 'temp-files-out-'))));
  afterEach(() => rm(out, { recursive: true, force: true }));
  /** What a put does with a file it took: writes it, and renames it out of tmp/. */
  const use = async (file: TempFile) => {
    closeSync(file.fd!);
    await rename(file.path, join(out, basename(file.path)));
  };

  it('creates nothing before the first file is asked for (an idle bucket holds no descriptor)', async () => {
    await turn();
    expect(await readdir(dir)).toEqual([]);
  });

  it('hands out files created ahead, open for writing, empty, each a new path', async () => {
    const first = temps.take();
    expect(first.fd).toBeUndefined(); // nothing was ready: the caller creates it
    expect(first.named).toBeUndefined(); // nor is its name durable: its put waits for its folder's fsync
    expect(dirname(first.path)).toBe(dir);
    await batchesReady(1);
    expect(await filesUnder(dir)).toHaveLength(READY_TEMP_FILES);

    const paths = new Set<string>();
    for (let i = 0; i < READY_TEMP_FILES; i++) {
      const file = temps.take();
      expect(file.fd).toBeDefined();
      expect(file.named).toBe(true);
      expect(fstatSync(file.fd!).size).toBe(0);
      writeSync(file.fd!, 'bytes');
      closeSync(file.fd!);
      expect((await stat(file.path)).size).toBe(5); // the descriptor is the file at that path
      paths.add(file.path);
    }
    expect(paths.size).toBe(READY_TEMP_FILES);
  });

  it('hands out a file created ahead only once fsyncs that started after its creation have ended', async () => {
    const { gate, release } = fsyncs;
    gate.held = true;
    temps.take();
    await until(() => gate.waiting.length === 1); // tmp/, for the slot folders made once per run
    gate.waiting.shift()!();
    await until(() => gate.waiting.length === 1); // every file of the batch created, then its slot
    expect(await filesUnder(dir)).toHaveLength(READY_TEMP_FILES);
    const batch = dirname(
      (await readdir(dir, { recursive: true })).map((name) => join(dir, name)).find((p) => p.endsWith('.part'))!,
    );
    expect(gate.calls.sort()).toEqual([dir, batch].sort()); // the files' folder, and tmp/ that holds it
    expect(temps.take().fd).toBeUndefined(); // created, but their names could still vanish in a power cut
    release();
    await batchesReady(1);
    const file = temps.take();
    expect(file.fd).toBeDefined();
    expect(file.named).toBe(true);
    closeSync(file.fd!);
  });

  it('fsyncs per batch of files, never per file', async () => {
    const { gate } = fsyncs;
    temps.take();
    await batchesReady(1);
    const taken: TempFile[] = [];
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < READY_TEMP_FILES / 2; i++) taken.push(temps.take());
      for (const file of taken.slice(-READY_TEMP_FILES / 2)) await use(file);
      await batchesReady(round + 2); // each half emptied: one batch
    }
    expect(taken.every((file) => file.named)).toBe(true);
    expect(gate.calls).toHaveLength(fsyncsFor(9)); // 32 files taken ÷ 4 a batch, after the first batch
  });

  it('fsyncs a slot folder again only once the renames out of it are durable', async () => {
    const { gate } = fsyncs;
    temps.take();
    await batchesReady(1);
    const first = Array.from({ length: READY_TEMP_FILES }, () => temps.take()); // the whole first batch
    const slot = dirname(first[0].path);
    expect(first.every((file) => dirname(file.path) === slot)).toBe(true);
    for (const file of first) await use(file);
    let durable = () => {};
    temps.renamedOutOf(first[7], new Promise<void>((resolve) => (durable = resolve))); // the last rename's folder not fsynced
    const before = gate.calls.length;
    for (let i = 0; i < 3 * READY_TEMP_FILES; i++) {
      const file = temps.take();
      if (file.fd === undefined) continue; // no slot free: the caller creates its own
      await use(file);
      await sleep(2);
    }
    expect(gate.calls.slice(before)).not.toContain(slot);
    durable();
    for (let i = 0; i < 3 * READY_TEMP_FILES && !gate.calls.slice(before).includes(slot); i++) {
      const file = temps.take();
      if (file.fd !== undefined) await use(file);
      await sleep(2);
    }
    expect(gate.calls.slice(before)).toContain(slot);
  });

  it('never fsyncs a slot folder again once the fsync of a folder a file was renamed into failed', async () => {
    const { gate } = fsyncs;
    temps.take();
    await batchesReady(1);
    const first = Array.from({ length: READY_TEMP_FILES }, () => temps.take());
    const slot = dirname(first[0].path);
    for (const file of first) await use(file);
    const failed = Promise.reject(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    temps.renamedOutOf(first[7], failed);
    await failed.catch(() => undefined);
    const before = gate.calls.length;
    for (let i = 0; i < 6 * READY_TEMP_FILES; i++) {
      const file = temps.take();
      if (file.fd !== undefined) await use(file);
      await sleep(2);
    }
    expect(gate.calls.length).toBeGreaterThan(before + 2); // the two other slots, in turn
    expect(gate.calls.slice(before)).not.toContain(slot);
  });

  it('hands out none of a batch whose fsync failed, and removes them', async () => {
    const { gate } = fsyncs;
    temps.take();
    await batchesReady(1);
    gate.fail = Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    const taken = Array.from({ length: READY_TEMP_FILES / 2 + 1 }, () => temps.take());
    for (const file of taken) await use(file);
    await until(() => gate.calls.length === fsyncsFor(2));
    await until(async () => (await filesUnder(dir)).length === READY_TEMP_FILES / 2 - 1); // the first batch's rest
    for (let i = 0; i < READY_TEMP_FILES / 2 - 1; i++) closeSync(temps.take().fd!);
    expect(temps.take().fd).toBeUndefined();
  });

  it('removes the ready files on close, and creates none after it', async () => {
    temps.take();
    await temps.close(); // some may still be being created: those are removed once they are
    expect(await filesUnder(dir)).toEqual([]);
    expect(temps.take().fd).toBeUndefined();
    await turn();
    expect(await filesUnder(dir)).toEqual([]);
  });

  it('holds no more ready files than the budget all buckets share, whatever the number of buckets', async () => {
    const budget = new ReadyFilesBudget(128);
    const dirs = await Promise.all(Array.from({ length: 20 }, (_, i) => mkdtemp(join(dir, `bucket-${i}-`))));
    const buckets = dirs.map((d) => new TempFiles(d, budget, fsyncs.fsync));
    try {
      const served = 128 / READY_TEMP_FILES; // the buckets the budget fills; the others create their own files
      for (const bucket of buckets) bucket.take();
      await until(() => fsyncs.gate.ended >= served * fsyncsFor(1)).then(turn);
      const count = async () => (await Promise.all(dirs.map((d) => filesUnder(d)))).flat().length;
      expect(await count()).toBe(128);
      expect(buckets.filter((b) => b.take().fd === undefined)).toHaveLength(20 - served);
    } finally {
      await Promise.all(buckets.map((b) => b.close()));
    }
    // Closed buckets give their files back: a new bucket finds them.
    const next = new TempFiles(await mkdtemp(join(dir, 'bucket-next-')), budget, fsyncs.fsync);
    try {
      const before = fsyncs.gate.ended;
      next.take();
      await until(() => fsyncs.gate.ended >= before + fsyncsFor(1)).then(turn);
      expect(next.take().fd).toBeDefined();
    } finally {
      await next.close();
    }
  });

  describe('a bucket idle for a while gives its ready files back', () => {
    // Long beside the 100 ms between takes below: a loaded CI machine (every Jest worker busy) has stretched a
    // 75 ms sleep past a 150 ms idle time.
    const IDLE_MS = 600;
    let budget: ReadyFilesBudget;
    let idle: TempFiles;
    let busy: TempFiles;
    let idleDir: string;
    beforeEach(async () => {
      budget = new ReadyFilesBudget(READY_TEMP_FILES); // one bucket's batch: a second bucket gets none meanwhile
      idleDir = await mkdtemp(join(dir, 'idle-'));
      idle = new TempFiles(idleDir, budget, fsyncs.fsync, IDLE_MS);
      busy = new TempFiles(await mkdtemp(join(dir, 'busy-')), budget, fsyncs.fsync, IDLE_MS);
    });
    afterEach(() => Promise.all([idle.close(), busy.close()]));

    it('removes them and returns their descriptors: another bucket then makes its own', async () => {
      idle.take();
      await batchesReady(1);
      expect(await filesUnder(idleDir)).toHaveLength(READY_TEMP_FILES);
      busy.take();
      await turn();
      expect(busy.take().fd).toBeUndefined(); // the budget is held by the idle bucket

      await until(async () => (await filesUnder(idleDir)).length === 0);
      const before = fsyncs.gate.ended;
      busy.take();
      await until(() => fsyncs.gate.ended >= before + fsyncsFor(1)).then(turn);
      expect(busy.take().fd).toBeDefined();
      // The bucket that gave its files back still works: its next PUT creates its own file.
      expect(idle.take().fd).toBeUndefined();
    });

    it('keeps them while files are taken more often than that', async () => {
      // Its own bucket, idle after 2 s: a loaded CI run has stretched a 100-ms sleep past the 600 ms above.
      const STEADY_IDLE_MS = 2000;
      const steady = new TempFiles(
        await mkdtemp(join(dir, 'steady-')),
        new ReadyFilesBudget(READY_TEMP_FILES),
        fsyncs.fsync,
        STEADY_IDLE_MS,
      );
      try {
        steady.take();
        await batchesReady(1);
        // 8 takes 300 ms apart span 2.4 s, longer than the idle time: a release counted from when the batch was made
        // would leave the last takes none. The first batch's files alone serve them (the refill adds more).
        for (let i = 0; i < 8; i++) {
          await sleep(300);
          const file = steady.take();
          expect(file.fd).toBeDefined();
          closeSync(file.fd!);
        }
      } finally {
        await steady.close();
      }
    }, 15_000);
  });

  it('a file that cannot be created ahead is no error: the caller creates its own', async () => {
    await rm(dir, { recursive: true });
    expect(temps.take().fd).toBeUndefined();
    for (let i = 0; i < 20; i++) await turn();
    expect(temps.take().fd).toBeUndefined();
  });
});
