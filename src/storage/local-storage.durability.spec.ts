import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { LocalStorageBackend } from './local-storage.backend.js';
import { SMALL_BODY } from './durable-fs.js';
import { ObjectIndex } from './object-index.repository.js';
import { storageLayout } from './storage-layout.js';
import type { ObjectMeta } from './storage.backend.js';
import { bodyOf, filesUnder, tempFilesLeft, md5, putInput, readAll, until } from './storage-test.helpers.js';

/** Settles `promise` into a flag the test can look at without awaiting it. */
function watch<T>(promise: Promise<T>): { done: boolean; failed?: unknown; settled: Promise<unknown> } {
  const state: { done: boolean; failed?: unknown; settled: Promise<unknown> } = { done: false, settled: promise };
  state.settled = promise.then(
    () => (state.done = true),
    (error: unknown) => (state.failed = error),
  );
  return state;
}

/**
 * The index commits without fsyncing (synchronous=NORMAL) and makes its WAL durable with a shared fdatasync
 * (ObjectIndex.durable): every answer that tells a client or the flush about a change must wait for that fsync.
 * Here the fsync is held or failed at will, in front of the real one.
 */
describe('LocalStorageBackend and the durability of its index', () => {
  let dataDir: string;
  let storage: LocalStorageBackend;
  let gate: { held: boolean; fail?: Error; waiting: Array<() => void>; calls: number };

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'storage-durability-'));
    storage = new LocalStorageBackend({ dataDir });
    await storage.onModuleInit();
    gate = { held: false, waiting: [], calls: 0 };
    const index = (storage as unknown as { index: ObjectIndex }).index;
    const durable = index.durable.bind(index);
    index.durable = async () => {
      gate.calls++;
      if (gate.held) await new Promise<void>((resolve) => gate.waiting.push(resolve));
      if (gate.fail) throw gate.fail;
      return durable();
    };
  });
  afterEach(async () => {
    gate.held = false;
    gate.fail = undefined;
    for (const release of gate.waiting.splice(0)) release();
    await storage.onApplicationShutdown();
    await rm(dataDir, { recursive: true, force: true });
  });

  const release = async () => {
    gate.held = false;
    for (const resolve of gate.waiting.splice(0)) resolve();
    for (let i = 0; i < 20; i++) await nextTurn();
  };
  const turns = async (n = 20) => {
    for (let i = 0; i < n; i++) await nextTurn();
  };
  /** Real I/O (the body's file) comes first: wait until `count` callers wait for the held fsync. */
  const waitingFor = async (count: number) => {
    for (const started = Date.now(); gate.waiting.length < count; await sleep(5)) {
      if (Date.now() - started > 10_000) throw new Error(`only ${gate.waiting.length} callers reached the fsync`);
    }
    await turns();
  };

  it('answers a put only once its row is durable, and nothing is on its path before that', async () => {
    gate.held = true;
    const put = watch(storage.putObject(putInput('tasks/1', 'annotation')));
    await waitingFor(1);
    await sleep(50);
    expect(put.done).toBe(false);
    expect(await filesUnder(storageLayout(dataDir).objectsDir)).toEqual([]); // not renamed before durable
    await release();
    await put.settled;
    expect(put.done).toBe(true);
    expect((await readAll((await storage.getObject('tasks/1')).body)).toString()).toBe('annotation');
  });

  it('answers none of a batch of concurrent puts before the WAL fsync', async () => {
    gate.held = true;
    const puts = Array.from({ length: 6 }, (_, i) => watch(storage.putObject(putInput(`batch/${i}`, `body ${i}`))));
    await waitingFor(6);
    expect(puts.some((p) => p.done)).toBe(false);
    await release();
    await Promise.all(puts.map((p) => p.settled));
    expect(puts.every((p) => p.done)).toBe(true);
    expect(await storage.countObjects()).toBe(6);
  });

  it('fails every put of a batch whose WAL fsync fails, and keeps nothing of any of them', async () => {
    await storage.putObject(putInput('kept', 'acknowledged before'));
    gate.fail = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    const results = await Promise.allSettled(
      ['a/1', 'a/2', 'kept'].map((key) => storage.putObject(putInput(key, `refused ${key}`))),
    );
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(results.map((r) => (r as PromiseRejectedResult).reason as unknown)).toEqual([
      gate.fail,
      gate.fail,
      gate.fail,
    ]);
    gate.fail = undefined;
    expect((await storage.listObjects({ prefix: '', limit: 100 })).map((o) => o.key)).toEqual(['kept']);
    expect((await readAll((await storage.getObject('kept')).body)).toString()).toBe('acknowledged before');
    expect((await storage.changesSince(0)).map((c) => c.key)).toEqual(['kept']);
    expect(await filesUnder(storageLayout(dataDir).objectsDir)).toEqual(['kept']);
    expect(await tempFilesLeft(storageLayout(dataDir).tmpDir)).toEqual([]);
  });

  it('fails a delete whose WAL fsync fails, and keeps the object', async () => {
    await storage.putObject(putInput('stays', 'bytes'));
    gate.fail = new Error('EIO');
    await expect(storage.deleteObject('stays')).rejects.toBe(gate.fail);
    gate.fail = undefined;
    expect((await storage.headObject('stays')).md5).toBe(md5('bytes'));
    expect((await storage.changesSince(0)).map((c) => c.op)).toEqual(['put']);
  });

  it('shows the flush a change only once it is durable (it records how far it read)', async () => {
    await storage.putObject(putInput('first', 'one'));
    gate.held = true;
    const changes = watch(storage.changesSince(0));
    const last = watch(storage.lastSeq());
    await waitingFor(2);
    expect(changes.done).toBe(false);
    expect(last.done).toBe(false);
    await release();
    await Promise.all([changes.settled, last.settled]);
    expect(changes.done).toBe(true);
    expect(last.done).toBe(true);
  });

  it('answers createUpload and uploadPart only once their rows are durable', async () => {
    gate.held = true;
    const created = storage.createUpload({ key: 'big', userMetadata: {} });
    const createdState = watch(created);
    await waitingFor(1);
    expect(createdState.done).toBe(false);
    await release();
    const upload = await created;
    gate.held = true;
    const part = watch(
      storage.uploadPart({
        key: 'big',
        uploadId: upload.uploadId,
        partNumber: 1,
        body: bodyOf('p'),
        maxSize: 10,
      }),
    );
    await waitingFor(1);
    expect(part.done).toBe(false);
    await release();
    await part.settled;
    expect(part.done).toBe(true);
  });
});

/** Files under `dir` holding bytes that this process has open (its descriptors in /proc/self/fd). */
async function openFilesWithBytes(dir: string): Promise<string[]> {
  const targets = await Promise.all(
    (await readdir('/proc/self/fd')).map((fd) => readlink(`/proc/self/fd/${fd}`).catch(() => '')),
  );
  const inside = targets.filter((target) => target.startsWith(`${dir}/`));
  const sizes = await Promise.all(inside.map(async (path) => (await stat(path).catch(() => undefined))?.size ?? 0));
  return inside.filter((_, i) => sizes[i] > 0);
}

/**
 * When a put's file is fsynced: at once for a put alone (nothing else committing, no WAL fdatasync running), so that
 * it runs while the row is committed; after the WAL's fdatasync was asked for when others are (libuv's pool is first
 * come, first served: bench/results/put-storage.md). Seen from outside: a small body's file is closed as soon as its
 * fsync ends.
 */
describe("LocalStorageBackend: when a put's file is fsynced", () => {
  let dataDir: string;
  let storage: LocalStorageBackend;
  let index: ObjectIndex;
  let commitCalls: number;
  let releaseCommit: () => void;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'storage-file-fsync-'));
    storage = new LocalStorageBackend({ dataDir });
    await storage.onModuleInit();
    index = (storage as unknown as { index: ObjectIndex }).index;
    // The commit held: a put waits at its journal step until released.
    const held = new Promise<void>((resolve) => (releaseCommit = resolve));
    const batched = index.batched.bind(index);
    commitCalls = 0;
    index.batched = async <T>(write: () => T) => {
      commitCalls++;
      await held;
      return batched(write);
    };
  });
  afterEach(async () => {
    releaseCommit();
    await storage.onApplicationShutdown();
    await rm(dataDir, { recursive: true, force: true });
  });

  // Bodies larger than SMALL_BODY: a smaller one travels in its intent and its file is fsynced after the answer.
  const lone = 'lone bytes '.repeat(SMALL_BODY / 10);
  const busy = 'busy bytes '.repeat(SMALL_BODY / 10);

  it('fsyncs the file of a put alone while its row waits for the commit', async () => {
    const put = storage.putObject(putInput('alone', lone));
    await until(() => commitCalls === 1);
    const { tmpDir } = storageLayout(dataDir);
    expect(await tempFilesLeft(tmpDir)).toHaveLength(1); // written, not renamed: the commit is held
    await until(async () => (await openFilesWithBytes(tmpDir)).length === 0); // fsynced and closed meanwhile
    releaseCommit();
    await put;
    expect((await readAll((await storage.getObject('alone')).body)).toString()).toBe(lone);
  });

  it('leaves the file of a put among others unsynced until its row is committed', async () => {
    Object.defineProperty(index, 'quiet', { get: () => false }); // another put's write waits, or the WAL's fdatasync runs
    const put = storage.putObject(putInput('busy', busy));
    await until(() => commitCalls === 1);
    const { tmpDir } = storageLayout(dataDir);
    await sleep(100);
    expect(await openFilesWithBytes(tmpDir)).toHaveLength(1);
    releaseCommit();
    await put;
    expect(await openFilesWithBytes(tmpDir)).toEqual([]);
    expect((await readAll((await storage.getObject('busy')).body)).toString()).toBe(busy);
  });

  it('answers a small put before its file is fsynced: the row and the bytes in its intent are durable first', async () => {
    const put = storage.putObject(putInput('small', 'small bytes'));
    await until(() => commitCalls === 1);
    const { tmpDir } = storageLayout(dataDir);
    await sleep(100);
    expect(await openFilesWithBytes(tmpDir)).toHaveLength(1); // not fsynced while the commit is held
    releaseCommit();
    expect((await put).md5).toBe(md5('small bytes'));
    expect((await readAll((await storage.getObject('small')).body)).toString()).toBe('small bytes');
  });
});

describe('recovery of a put whose temp file was not fsynced when its row was', () => {
  let dataDir: string;
  let storage: LocalStorageBackend | undefined;
  afterEach(async () => {
    await storage?.onApplicationShutdown();
    await rm(dataDir, { recursive: true, force: true });
  });

  /**
   * "old" stored, then the crash: the row and intent of a put of "new" durable (carrying `body` when given), its
   * temp file there but its bytes lost (an empty file, as ext4 leaves one), the key's path still "old"; then the
   * storage started again on that.
   */
  async function restartAfterLostBytes(body?: Buffer): Promise<LocalStorageBackend> {
    dataDir = await mkdtemp(join(tmpdir(), 'storage-durability-'));
    storage = new LocalStorageBackend({ dataDir });
    await storage.onModuleInit();
    await storage.putObject(putInput('k', 'old'));
    await storage.onApplicationShutdown();
    const layout = storageLayout(dataDir);
    const tmpPath = join(layout.tmpDir, 'lost.part');
    await writeFile(tmpPath, '');
    const index = ObjectIndex.alone(layout.dbPath);
    const meta: ObjectMeta = {
      key: 'k',
      size: 3,
      md5: md5('new'),
      lastModified: new Date(),
      userMetadata: {},
      checksums: {},
    };
    index.beginPut(meta, tmpPath, body);
    index.close();
    storage = new LocalStorageBackend({ dataDir });
    await storage.onModuleInit();
    return storage;
  }

  it('does not roll forward a temp file that lacks the journaled bytes: the previous version stays', async () => {
    const restarted = await restartAfterLostBytes();
    expect((await readAll((await restarted.getObject('k')).body)).toString()).toBe('old');
    expect((await restarted.headObject('k')).md5).toBe(md5('old'));
    expect((await restarted.changesSince(0)).map((c) => c.op)).toEqual(['put']);
    expect(await tempFilesLeft(storageLayout(dataDir).tmpDir)).toEqual([]);
  });

  it('writes the bytes a small put journaled in its intent when neither name holds them', async () => {
    const restarted = await restartAfterLostBytes(Buffer.from('new'));
    const layout = storageLayout(dataDir);
    expect((await readAll((await restarted.getObject('k')).body)).toString()).toBe('new');
    expect(await readFile(join(layout.objectsDir, 'k'), 'utf8')).toBe('new');
    expect((await restarted.changesSince(0)).map((c) => c.op)).toEqual(['put', 'put']);
    expect(await tempFilesLeft(layout.tmpDir)).toEqual([]);
    await restarted.onApplicationShutdown();
    storage = undefined;
    const reopened = ObjectIndex.alone(layout.dbPath);
    try {
      expect(reopened.pendingIntents()).toEqual([]);
    } finally {
      reopened.close();
    }
  });
});
