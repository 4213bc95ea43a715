import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStorageBackend } from './local-storage.backend.js';
import { ObjectIndex } from './object-index.repository.js';
import { storageLayout } from './storage-layout.js';
import type { ObjectMeta } from './storage.backend.js';
import { filesUnder, tempFilesLeft, md5, putInput, readAll } from './storage-test.helpers.js';

/**
 * A crash is simulated by leaving DATA_DIR exactly as a put or delete leaves it at that point (same index class,
 * same files), then starting a new backend on it.
 */
describe('LocalStorageBackend recovery at startup', () => {
  let dataDir: string;
  let storage: LocalStorageBackend | undefined;
  const layout = () => storageLayout(dataDir);

  async function start(): Promise<LocalStorageBackend> {
    storage = new LocalStorageBackend({ dataDir });
    await storage.onModuleInit();
    return storage;
  }

  /** What a put has done once its intent is committed and before the rename: an fsynced temp file, a journaled row. */
  async function crashAfterIntent(index: ObjectIndex, key: string, bytes: string): Promise<string> {
    const tmpPath = join(layout().tmpDir, `${md5(key + bytes)}.part`);
    await writeFile(tmpPath, bytes);
    const meta: ObjectMeta = {
      key,
      size: bytes.length,
      md5: md5(bytes),
      lastModified: new Date(),
      userMetadata: {},
      checksums: {},
    };
    index.beginPut(meta, tmpPath);
    return tmpPath;
  }

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'storage-recovery-'));
    await (await start()).onApplicationShutdown(); // creates the folders and the database
    storage = undefined;
  });
  afterEach(async () => {
    await storage?.onApplicationShutdown();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('rolls forward a journaled put whose file was not renamed yet', async () => {
    const index = ObjectIndex.alone(layout().dbPath);
    await crashAfterIntent(index, 'tasks/1', 'annotation');
    index.close();
    const backend = await start();
    const { meta, body } = await backend.getObject('tasks/1');
    expect((await readAll(body)).toString()).toBe('annotation');
    expect(meta.md5).toBe(md5('annotation'));
    expect(await backend.changesSince(0)).toEqual([{ seq: 1, key: 'tasks/1', op: 'put' }]);
    expect(await tempFilesLeft(layout().tmpDir)).toEqual([]);
  });

  it('rolls forward over an older version of the object', async () => {
    const first = await start();
    await first.putObject(putInput('k', 'old'));
    await first.onApplicationShutdown();
    const index = ObjectIndex.alone(layout().dbPath);
    await crashAfterIntent(index, 'k', 'new');
    index.close();
    const backend = await start();
    expect((await readAll((await backend.getObject('k')).body)).toString()).toBe('new');
    expect((await backend.headObject('k')).md5).toBe(md5('new'));
  });

  it('keeps an object whose rename happened but whose intent was not cleared', async () => {
    const index = ObjectIndex.alone(layout().dbPath);
    const tmpPath = await crashAfterIntent(index, 'done', 'placed');
    index.close();
    await mkdir(layout().objectsDir, { recursive: true });
    await writeFile(join(layout().objectsDir, 'done'), await readFile(tmpPath));
    await rm(tmpPath);
    const backend = await start();
    expect((await readAll((await backend.getObject('done')).body)).toString()).toBe('placed');
    expect(await backend.changesSince(0)).toHaveLength(1);
  });

  // The temp folder is not fsynced (durable-fs.ts writeBodyToFile): a crash may lose the temp file's name while
  // its intent is journaled. Then the rename cannot have reached the disk either, and the put was never acknowledged.
  it('undoes a journaled put whose temp file vanished without reaching its place', async () => {
    const index = ObjectIndex.alone(layout().dbPath);
    const tmpPath = await crashAfterIntent(index, 'lost/1', 'never placed');
    index.close();
    await rm(tmpPath);
    const backend = await start();
    await expect(backend.headObject('lost/1')).rejects.toMatchObject({ code: 'NoSuchKey' });
    expect(await backend.changesSince(0)).toEqual([]);
    expect(await filesUnder(layout().objectsDir)).toEqual([]);
  });

  it('brings back the previous version when the new one vanished with its temp file', async () => {
    const first = await start();
    await first.putObject(putInput('k', 'old'));
    await first.onApplicationShutdown();
    const index = ObjectIndex.alone(layout().dbPath);
    await rm(await crashAfterIntent(index, 'k', 'new'));
    index.close();
    const backend = await start();
    expect((await readAll((await backend.getObject('k')).body)).toString()).toBe('old');
    expect((await backend.headObject('k')).md5).toBe(md5('old'));
    expect((await backend.changesSince(0)).map((c) => c.op)).toEqual(['put']);
  });

  it('does not take different bytes of the same size at the destination for the journaled ones', async () => {
    const first = await start();
    await first.putObject(putInput('same-size', 'AAAA'));
    await first.onApplicationShutdown();
    const index = ObjectIndex.alone(layout().dbPath);
    await rm(await crashAfterIntent(index, 'same-size', 'BBBB'));
    index.close();
    const backend = await start();
    expect((await backend.headObject('same-size')).md5).toBe(md5('AAAA'));
  });

  it('finishes a journaled delete whose file was still there', async () => {
    const first = await start();
    await first.putObject(putInput('del/me', 'bytes'));
    await first.onApplicationShutdown();
    const index = ObjectIndex.alone(layout().dbPath);
    index.beginDelete('del/me');
    index.close();
    const backend = await start();
    await expect(backend.headObject('del/me')).rejects.toMatchObject({ code: 'NoSuchKey' });
    expect(await filesUnder(layout().objectsDir)).toEqual([]);
    expect((await backend.changesSince(0)).map((c) => c.op)).toEqual(['put', 'delete']);
  });

  it('does not replay a finished delete over a later put of the same key', async () => {
    const first = await start();
    await first.putObject(putInput('k', 'v1'));
    await first.onApplicationShutdown();
    const index = ObjectIndex.alone(layout().dbPath);
    index.beginDelete('k');
    await rm(join(layout().objectsDir, 'k')); // the delete finished...
    const tmpPath = await crashAfterIntent(index, 'k', 'v2');
    await rename(tmpPath, join(layout().objectsDir, 'k')); // ...then the put did, but neither intent was cleared
    index.close();
    const backend = await start();
    expect((await readAll((await backend.getObject('k')).body)).toString()).toBe('v2');
    expect((await backend.changesSince(0)).map((c) => c.op)).toEqual(['put', 'delete', 'put']);
  });

  it('removes stray temp files of unfinished uploads', async () => {
    await writeFile(join(layout().tmpDir, 'abandoned.part'), 'half an upload');
    const backend = await start();
    expect(await tempFilesLeft(layout().tmpDir)).toEqual([]);
    expect(await backend.countObjects()).toBe(0);
    expect(await backend.lastSeq()).toBe(0);
  });

  it('undoes a put that cannot be placed, so the journal never names a change that did not happen', async () => {
    const index = ObjectIndex.alone(layout().dbPath);
    await crashAfterIntent(index, 'blocked/b', 'cannot land');
    index.close();
    await writeFile(join(layout().objectsDir, 'blocked'), 'a foreign file where a folder must go');
    const backend = await start();
    await expect(backend.headObject('blocked/b')).rejects.toMatchObject({ code: 'NoSuchKey' });
    expect(await backend.changesSince(0)).toEqual([]);
    expect(await readFile(join(layout().objectsDir, 'blocked'), 'utf8')).toMatch(/foreign/);
  });
});

describe('LocalStorageBackend after an upgrade of the key → path mapping', () => {
  let dataDir: string;
  let storage: LocalStorageBackend | undefined;
  afterEach(async () => {
    await storage?.onApplicationShutdown();
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['a backslash', 'exports\\17', 'exports\\17', 'exports%5C17'],
    ['a reserved name in capitals', 'repo/.GIT/config', 'repo/.GIT/config', 'repo/%2EGIT/config'],
  ])('moves an object with %s from where an earlier release stored it, once', async (_, key, legacy, current) => {
    dataDir = await mkdtemp(join(tmpdir(), 'storage-key-paths-'));
    storage = new LocalStorageBackend({ dataDir });
    await storage.onModuleInit();
    await storage.putObject(putInput(key, 'acknowledged bytes'));
    await storage.putObject(putInput('exports/18', 'an ordinary key'));
    await storage.onApplicationShutdown();
    // What the earlier release left: the file at its old path, and an index from before the mapping version.
    const { objectsDir, dbPath } = storageLayout(dataDir);
    await mkdir(join(objectsDir, legacy, '..'), { recursive: true });
    await rename(join(objectsDir, current), join(objectsDir, legacy));
    const index = ObjectIndex.alone(dbPath);
    index.setKeyPathVersion(1);
    index.close();

    storage = new LocalStorageBackend({ dataDir });
    await storage.onModuleInit();
    expect((await readAll((await storage.getObject(key)).body)).toString()).toBe('acknowledged bytes');
    expect(await filesUnder(objectsDir)).toEqual([current, 'exports/18'].sort());
  });

  it('starts a new data folder at the current mapping', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'storage-key-paths-'));
    storage = new LocalStorageBackend({ dataDir });
    await storage.onModuleInit();
    await storage.onApplicationShutdown();
    storage = undefined;
    const index = ObjectIndex.alone(storageLayout(dataDir).dbPath);
    expect(index.keyPathVersion()).toBe(2);
    index.close();
  });
});
