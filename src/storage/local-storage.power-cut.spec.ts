import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SMALL_BODY } from './durable-fs.js';
import { FileSystemSyncs } from './file-system-syncs.js';
import { LocalStorageBackend } from './local-storage.backend.js';
import { ObjectIndex } from './object-index.repository.js';
import { PowerCut } from './power-cut-test.helpers.js';
import { storageLayout } from './storage-layout.js';
import { bodyOf, filesUnder, putInput, readAll, tempFilesLeft, until } from './storage-test.helpers.js';
import { READY_TEMP_FILES } from './temp-files.js';

/** Settles `promise` into a flag the test can look at without awaiting it. */
function watch<T>(promise: Promise<T>): { done: boolean; settled: Promise<unknown> } {
  const state = { done: false, settled: promise as Promise<unknown> };
  state.settled = promise.then(() => (state.done = true));
  return state;
}

/**
 * A put is acknowledged before the folder its file was renamed into is fsynced (docs/architecture.md, "One PUT").
 * Here the power goes in that window: the folder fsyncs are held at the seam (LocalStorageConfig.fsyncDir), and the
 * cut undoes every directory entry no ended fsync covered (power-cut-test.helpers.ts) — the rename, and the temp file's own
 * name unless tmp/ was fsynced after it was created. The restarted service must serve every acknowledged put.
 */
describe('LocalStorageBackend after a power cut between the answer to a put and its folder fsync', () => {
  let dataDir: string;
  let power: PowerCut;
  let storage: LocalStorageBackend | undefined;
  const layout = () => storageLayout(dataDir);
  const objects = () => layout().objectsDir;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'storage-power-cut-'));
    power = new PowerCut([layout().objectsDir, layout().tmpDir]);
    storage = new LocalStorageBackend({
      dataDir,
      fsyncDir: power.fsync,
      fileSystemSyncs: new FileSystemSyncs(power.syncFileSystem),
    });
    await storage.onModuleInit();
    await power.baseline();
  });
  afterEach(async () => {
    power.hold = () => false;
    power.letThrough();
    await storage?.onApplicationShutdown();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** The cut, the old process gone, the machine back on, the service started again (with real fsyncs). */
  async function cutAndRestart(): Promise<LocalStorageBackend> {
    await power.cut();
    await storage!.onApplicationShutdown();
    await power.restore();
    storage = new LocalStorageBackend({ dataDir });
    await storage.onModuleInit();
    return storage;
  }

  /**
   * The bucket's first put (its own temp file), settled: its file and folder durable (a later `hold` cannot catch its
   * sync); then the first batch of files made ahead, durable.
   */
  async function warmUp(): Promise<void> {
    await storage!.putObject(putInput('warm-up', 'the first put'));
    await until(() => power.ended.filter((dir) => dir.startsWith(layout().tmpDir)).length >= 2);
    await until(() => power.ended.includes(objects()));
    await sleep(5);
  }

  const read = async (backend: LocalStorageBackend, key: string) =>
    (await readAll((await backend.getObject(key)).body)).toString();

  it('answers a larger put whose temp file was created on demand only once its folder is fsynced', async () => {
    power.hold = (dir) => dir.startsWith(objects());
    // The bucket's first put finds no file made ahead: its temp file's name may not be durable. Its body is larger
    // than SMALL_BODY: its intent does not carry it.
    const put = watch(storage!.putObject(putInput('tasks/00', 'a'.repeat(SMALL_BODY + 1))));
    await until(() => power.held.length > 0);
    await sleep(50);
    expect(put.done).toBe(false);
    power.letThrough();
    await put.settled;
    expect(put.done).toBe(true);
  });

  it('answers a small put before any of its names is durable, and serves it after a cut that lost them all', async () => {
    power.hold = (dir) => dir.startsWith(objects());
    // The bucket's first put: its temp file created on demand, its name never made durable; its rename held too.
    await storage!.putObject(putInput('tasks/00', 'annotation 0'));
    await until(() => power.held.length > 0); // the folder's fsync, after the answer

    const backend = await cutAndRestart();
    expect(await read(backend, 'tasks/00')).toBe('annotation 0');
    expect(await filesUnder(objects())).toEqual(['tasks/00']);
    expect(await tempFilesLeft(layout().tmpDir)).toEqual([]);
  });

  it('where syncfs(2) cannot be called, makes a small put durable by fsyncing its folder, and serves it after a cut', async () => {
    /** The service started again where syncfs(2) cannot be called, its folder fsyncs at the power-cut seam. */
    const openWithoutSyncfs = async () => {
      storage = new LocalStorageBackend({
        dataDir,
        fsyncDir: power.fsync,
        fileSystemSyncs: new FileSystemSyncs(
          async () => false,
          () => false,
        ),
      });
      await storage.onModuleInit();
      return storage;
    };
    await storage!.onApplicationShutdown();
    await openWithoutSyncfs();
    power.hold = (dir) => dir.startsWith(objects());
    await storage!.putObject(putInput('tasks/00', 'annotation 0'));
    await until(() => power.held.some((fsync) => fsync.dir === join(objects(), 'tasks'))); // its folder's own fsync
    const backend = await cutAndRestart();
    expect(await read(backend, 'tasks/00')).toBe('annotation 0');

    power = new PowerCut([objects(), layout().tmpDir]);
    await power.baseline();
    await backend.onApplicationShutdown();
    await (await openWithoutSyncfs()).putObject(putInput('tasks/01', 'annotation 1'));
    await until(() => power.ended.includes(join(objects(), 'tasks'))); // nothing held: the put settles
    const settled = await cutAndRestart();
    expect(await read(settled, 'tasks/01')).toBe('annotation 1');
    expect(await filesUnder(objects())).toEqual(['tasks/00', 'tasks/01']);
  });

  it('answers puts of bodies gathered whole before any of their names is durable, and serves them after a cut', async () => {
    await warmUp(); // files made ahead are ready; a body gathered whole (a Buffer) takes none: its file is its own
    power.hold = (dir) => dir.startsWith(objects());
    const keys = Array.from({ length: 20 }, (_, i) => `tasks/${String(i).padStart(2, '0')}`);
    for (const [i, key] of keys.entries()) await storage!.putObject(putInput(key, Buffer.from(`annotation ${i}`)));
    await until(() => power.held.length > 0); // none of the renames is durable yet, nor the temp files' names

    const backend = await cutAndRestart();
    for (const [i, key] of keys.entries()) expect(await read(backend, key)).toBe(`annotation ${i}`);
    expect(await filesUnder(objects())).toEqual([...keys, 'warm-up']);
    expect(await tempFilesLeft(layout().tmpDir)).toEqual([]);
  });

  it("links a small put's file for a DVC remote only once the put has settled, its file's fsync with it", async () => {
    power.hold = (dir) => dir.startsWith(objects());
    const put = await storage!.putObject(putInput('tasks/00', 'annotation 0'));
    await until(() => power.held.length > 0); // answered; its file's fsync and its folder's still to end
    const remote = join(dataDir, 'remote-object');
    const link = watch(storage!.linkObject('tasks/00', remote, { md5: put.md5, size: put.size }));
    await sleep(50);
    expect(link.done).toBe(false); // a remote sharing the inode now could lose the bytes in a cut
    expect(await filesUnder(dataDir)).not.toContain('remote-object');
    power.letThrough();
    await link.settled;
    expect(link.done).toBe(true);
    expect(await readFile(remote, 'utf8')).toBe('annotation 0');
  });

  // The files of three batches (16 + 8 + 6 of the next, with READY_TEMP_FILES = 16). A slot's next batch waits
  // until the renames out of it are durable, and these stay held here: each batch is made in another slot.
  // Larger bodies rely on the temp files' durable names (their intents do not carry them); small ones on neither.
  it.each([
    ['larger than SMALL_BODY', 'x'.repeat(SMALL_BODY)],
    ['small', ''],
  ])(
    'serves puts acknowledged before their folder fsync, batch after batch of files made ahead (%s)',
    async (_, padding) => {
      await warmUp();
      power.hold = (dir) => dir.startsWith(objects());
      const first = storage!;
      const keys = Array.from({ length: 2 * READY_TEMP_FILES - 2 }, (_, i) => `tasks/${String(i).padStart(2, '0')}`);
      for (const [i, key] of keys.entries()) {
        await first.putObject(putInput(key, `${padding}annotation ${i}`));
        // Lets the next batch be made, as the pauses between a client's PUTs do.
        if (i % (READY_TEMP_FILES / 2) === READY_TEMP_FILES / 2 - 1) await sleep(20);
      }
      expect(power.held.length).toBeGreaterThan(0); // none of the renames is durable yet

      const backend = await cutAndRestart();
      for (const [i, key] of keys.entries()) expect(await read(backend, key)).toBe(`${padding}annotation ${i}`);
      expect(await filesUnder(objects())).toEqual([...keys, 'warm-up']);
      expect((await backend.changesSince(0)).map((c) => c.key)).toEqual(['warm-up', ...keys]);
      expect(await tempFilesLeft(layout().tmpDir)).toEqual([]);
    },
  );

  it('serves the newest of two acknowledged puts of one key; the second waits for the folder fsync of the first', async () => {
    await warmUp();
    power.hold = (dir) => dir.startsWith(join(objects(), 'a'));
    const first = storage!;
    await first.putObject(putInput('a/k', 'version 1'));
    expect(await read(first, 'a/k')).toBe('version 1'); // readers are not held back by the fsync
    const second = watch(first.putObject(putInput('a/k', 'version 2')));
    // Other keys are not delayed, even in another folder whose fsync runs meanwhile.
    await first.putObject(putInput('b/k', 'another key'));
    expect((await first.headObject('b/k')).size).toBe(11);
    await sleep(50);
    expect(second.done).toBe(false);

    power.letThrough(); // version 1's rename durable: version 2 journals and renames, its fsync held in turn
    await second.settled;
    expect(second.done).toBe(true);
    await until(() => power.held.length > 0);

    const backend = await cutAndRestart();
    expect(await read(backend, 'a/k')).toBe('version 2');
    expect(await read(backend, 'b/k')).toBe('another key');
    expect((await backend.changesSince(0)).map((c) => c.key)).toEqual(['warm-up', 'a/k', 'b/k', 'a/k']);
  });

  it('serves a completed multipart upload and a copy acknowledged before their folder fsync', async () => {
    await warmUp();
    const first = storage!;
    await first.putObject(putInput('source', 'copied bytes'));
    power.hold = (dir) => dir.startsWith(objects());
    await first.copyObject('source', 'copies/1');
    const upload = await first.createUpload({ key: 'big/1', userMetadata: {} });
    const { uploadId } = upload;
    const part = await first.uploadPart({
      uploadId,
      key: 'big/1',
      partNumber: 1,
      body: bodyOf('part one'),
      maxSize: 1024,
    });
    await first.completeUpload({
      uploadId,
      key: 'big/1',
      parts: [{ partNumber: 1, etag: part.md5, checksums: {} }],
      maxSize: 1024,
    });

    const backend = await cutAndRestart();
    expect(await read(backend, 'copies/1')).toBe('copied bytes');
    expect(await read(backend, 'big/1')).toBe('part one');
  });

  it('keeps the intent pending until the folder fsync ends, and shutdown waits for it', async () => {
    await warmUp();
    power.hold = (dir) => dir.startsWith(objects());
    const first = storage!;
    await first.putObject(putInput('tasks/1', 'annotation'));
    const shutdown = watch(first.onApplicationShutdown());
    await sleep(50);
    expect(shutdown.done).toBe(false);
    power.letThrough();
    await shutdown.settled;
    expect(shutdown.done).toBe(true);
    storage = undefined;
    const index = ObjectIndex.alone(layout().dbPath);
    try {
      expect(index.pendingIntents()).toEqual([]);
    } finally {
      index.close();
    }
  });
});
