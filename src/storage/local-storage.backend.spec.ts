import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import { LocalStorageBackend } from './local-storage.backend.js';
import { StorageError } from './storage.errors.js';
import { READY_TEMP_FILES } from './temp-files.js';
import { fsyncDir } from '../common/fsync-dir.js';
import { failingBody, filesUnder, tempFilesLeft, md5, putInput, readAll, until } from './storage-test.helpers.js';

describe('LocalStorageBackend on a real folder', () => {
  let root: string;
  let dataDir: string;
  let storage: LocalStorageBackend;

  async function open(): Promise<LocalStorageBackend> {
    const backend = new LocalStorageBackend({ dataDir });
    await backend.onModuleInit();
    return backend;
  }

  /** `storage` opened again, noting each fsync of a slot folder of files made ahead (temp-files.ts) once it ended. */
  async function reopenNotingSlotFsyncs(): Promise<string[]> {
    const slotFsyncs: string[] = [];
    await storage.onApplicationShutdown();
    storage = new LocalStorageBackend({
      dataDir,
      fsyncDir: async (dir) => {
        await fsyncDir(dir);
        if (dir.includes('ahead-')) slotFsyncs.push(dir);
      },
    });
    await storage.onModuleInit();
    return slotFsyncs;
  }

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'storage-local-'));
    dataDir = join(root, 'data');
    storage = await open();
  });
  afterEach(async () => {
    await storage.onApplicationShutdown();
    await rm(root, { recursive: true, force: true });
  });

  it('reads a journal longer than one page whole, in order, and stops at a limit (a flush of thousands of PUTs)', async () => {
    const keys = Array.from({ length: 4100 }, (_, i) => `t/${i}`); // two full pages of 2,000 rows and a part
    for (let i = 0; i < keys.length; i += 100) {
      await Promise.all(keys.slice(i, i + 100).map((key) => storage.putObject(putInput(key, key))));
    }
    await storage.deleteObject('t/7');
    const all = await storage.changesSince(0);
    expect(all.map((c) => c.key).sort()).toEqual([...keys, 't/7'].sort());
    expect(all.at(-1)).toMatchObject({ key: 't/7', op: 'delete' });
    expect(all.every((c, i) => i === 0 || c.seq > all[i - 1].seq)).toBe(true);
    expect(await storage.changesSince(0, 2500)).toEqual(all.slice(0, 2500));
    expect(await storage.changesSince(all[1999].seq)).toEqual(all.slice(2000));
    expect(await storage.changesSince(0, 2000)).toEqual(all.slice(0, 2000));
  }, 30_000);

  it('mirrors the bucket under DATA_DIR/objects and keeps its database outside it', async () => {
    await storage.putObject(putInput('project/17', '{"id":17}'));
    await storage.putObject(putInput('exports//a b+c', 'x'));
    expect(await filesUnder(join(dataDir, 'objects'))).toEqual(['exports/%/a b+c', 'project/17']);
    expect(await readFile(join(dataDir, 'objects/project/17'), 'utf8')).toBe('{"id":17}');
    expect((await stat(join(dataDir, 'state/storage.db'))).isFile()).toBe(true);
  });

  it('writes a small body to a file created ahead, and leaves none of those behind when it shuts down', async () => {
    // Files made ahead are handed out once their slot folder's fsync ended, not as soon as they exist.
    const slotFsyncs = await reopenNotingSlotFsyncs();
    await storage.putObject(putInput('a', 'first')); // the first put of a bucket starts creating files ahead
    await until(() => slotFsyncs.length > 0);
    await setImmediate(); // the batch is ready once the fsync's promise has been handled
    const ready = await filesUnder(join(dataDir, 'tmp'));
    expect(ready).toHaveLength(READY_TEMP_FILES);
    await storage.putObject(putInput('b', 'second'));
    const stillThere = (await filesUnder(join(dataDir, 'tmp'))).filter((name) => ready.includes(name));
    expect(stillThere).toHaveLength(READY_TEMP_FILES - 1); // one was taken: it is objects/b now
    expect(await readFile(join(dataDir, 'objects/b'), 'utf8')).toBe('second');
    await storage.onApplicationShutdown();
    expect(await filesUnder(join(dataDir, 'tmp'))).toEqual([]);
    storage = await open();
  });

  it('writes a body gathered whole (a Buffer, as the S3 layer hands a small one) to a file of its own: none made ahead', async () => {
    // Its bytes travel in its intent: no name of its file needs to be durable, so it starts no batch of ready files.
    const slotFsyncs = await reopenNotingSlotFsyncs();
    for (let i = 0; i < 3; i++) await storage.putObject(putInput(`tasks/${i}`, Buffer.from(`{"id":${i}}`)));
    await new Promise((resolve) => setTimeout(resolve, 50)); // time enough to make a batch (the spec above waits ~1 ms)
    expect(slotFsyncs).toEqual([]);
    expect(await filesUnder(join(dataDir, 'tmp'))).toEqual([]);
    expect(await filesUnder(join(dataDir, 'objects'))).toEqual(['tasks/0', 'tasks/1', 'tasks/2']);
    expect(await readFile(join(dataDir, 'objects/tasks/2'), 'utf8')).toBe('{"id":2}');
    await storage.onApplicationShutdown();
    storage = await open();
  });

  it('writes no file outside DATA_DIR/objects, whatever the key', async () => {
    const keys = ['../x', 'a/../../../escape', '/etc/passwd', './y', '..../z', '%2E%2E/w', 'b/./../v'];
    for (const key of keys) await storage.putObject(putInput(key, key));
    const files = await filesUnder(root);
    expect(
      files.filter((f) => !f.startsWith('data/objects/') && !f.startsWith('data/state/') && !f.startsWith('data/tmp/')),
    ).toEqual([]);
    expect(await tempFilesLeft(join(dataDir, 'tmp'))).toEqual([]);
    expect(await filesUnder(join(dataDir, 'objects'))).toEqual(
      [
        '%2E%2E/x',
        'a/%2E%2E/%2E%2E/%2E%2E/escape',
        '%/etc/passwd',
        '%2E/y',
        '..../z',
        '%252E%252E/w',
        'b/%2E/%2E%2E/v',
      ].sort(),
    );
    for (const key of keys) expect((await readAll((await storage.getObject(key)).body)).toString()).toBe(key);
  });

  it('leaves no object, no temp file and no journal row when the body fails', async () => {
    const error = new StorageError('EntityTooLarge', 'from the stream');
    await expect(storage.putObject(putInput('k', failingBody(error)))).rejects.toBe(error);
    expect(await filesUnder(dataDir + '/objects')).toEqual([]);
    expect(await tempFilesLeft(dataDir + '/tmp')).toEqual([]);
    expect(await storage.changesSince(0)).toEqual([]);
  });

  it('stops reading a body as soon as it exceeds maxSize, and removes the partial file', async () => {
    let pulled = 0;
    const endless = Readable.from(
      (function* () {
        for (;;) {
          pulled++;
          yield Buffer.alloc(1024, 1);
        }
      })(),
    );
    await expect(storage.putObject(putInput('big', endless, { maxSize: 10 * 1024 }))).rejects.toMatchObject({
      code: 'EntityTooLarge',
    });
    expect(pulled).toBeLessThan(64);
    expect(await tempFilesLeft(dataDir + '/tmp')).toEqual([]);
    expect(await filesUnder(dataDir + '/objects')).toEqual([]);
  });

  it("writes a new key's body gathered whole straight at its path: no temp file is made, none renamed", async () => {
    await storage.putObject(putInput('tasks/0', Buffer.from('{"id":0}'))); // its folder exists from now on
    // A file made in tmp/ (and renamed out of it) changes tmp/'s modification time: set it in the past first.
    const tmp = join(dataDir, 'tmp');
    const past = new Date('2020-01-01T00:00:00Z');
    await utimes(tmp, past, past);
    await storage.putObject(putInput('tasks/1', Buffer.from('{"id":1}')));
    await storage.putObject(putInput('other/1', Buffer.from('{"id":1}'))); // a new folder too
    expect((await stat(tmp)).mtime).toEqual(past);
    expect(await readFile(join(dataDir, 'objects/tasks/1'), 'utf8')).toBe('{"id":1}');
    expect(await readFile(join(dataDir, 'objects/other/1'), 'utf8')).toBe('{"id":1}');
    // A key that had an object gets a temp file renamed over the old one: the old file is never written into.
    await storage.putObject(putInput('tasks/1', Buffer.from('{"id":1,"done":true}')));
    expect((await stat(tmp)).mtime).not.toEqual(past);
    expect(await readFile(join(dataDir, 'objects/tasks/1'), 'utf8')).toBe('{"id":1,"done":true}');
  });

  it("never writes into a key's previous file, whose inode a link may share (the local DVC remote)", async () => {
    await storage.putObject(putInput('tasks/7', Buffer.from('version 1')));
    const linked = join(root, 'remote-copy');
    await storage.linkObject('tasks/7', linked, { md5: md5('version 1'), size: 9 });
    await storage.putObject(putInput('tasks/7', Buffer.from('version 2')));
    await storage.deleteObject('tasks/7');
    await storage.putObject(putInput('tasks/7', Buffer.from('version 3'))); // a new key again, at the same path
    expect(await readFile(linked, 'utf8')).toBe('version 1');
    expect(await readFile(join(dataDir, 'objects/tasks/7'), 'utf8')).toBe('version 3');
  });

  it('writes a body gathered whole where a file without a row, or an empty folder tree, is in the way', async () => {
    // Neither is a stored object (the index has no row): a temp file renamed over it replaces it, as for any put.
    await mkdir(join(dataDir, 'objects/a/b/c'), { recursive: true });
    await writeFile(join(dataDir, 'objects/stray'), 'left by hand');
    await storage.putObject(putInput('a', Buffer.from('file now')));
    await storage.putObject(putInput('stray', Buffer.from('stored')));
    expect(await readFile(join(dataDir, 'objects/a'), 'utf8')).toBe('file now');
    expect(await readFile(join(dataDir, 'objects/stray'), 'utf8')).toBe('stored');
    expect((await storage.headObject('stray')).md5).toBe(md5('stored'));
  });

  it('removes directories left empty by a delete, and only those', async () => {
    await storage.putObject(putInput('p/q/r/s', 'deep'));
    await storage.putObject(putInput('p/keep', 'sibling'));
    await storage.deleteObject('p/q/r/s');
    expect(await filesUnder(dataDir + '/objects')).toEqual(['p/keep']);
    await expect(stat(join(dataDir, 'objects/p/q'))).rejects.toMatchObject({ code: 'ENOENT' });
    await storage.deleteObject('p/keep');
    await expect(stat(join(dataDir, 'objects/p'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await stat(join(dataDir, 'objects'))).isDirectory()).toBe(true);
  });

  it('stores "a" where an empty directory was left behind', async () => {
    await mkdir(join(dataDir, 'objects/a/b/c'), { recursive: true });
    await storage.putObject(putInput('a', 'file now'));
    expect(await readFile(join(dataDir, 'objects/a'), 'utf8')).toBe('file now');
  });

  it('keeps serving the bytes a reader opened while the object is replaced or deleted', async () => {
    const old = Buffer.alloc(256 * 1024, 'o');
    await storage.putObject(putInput('k', old));
    const reading = await storage.getObject('k');
    await storage.putObject(putInput('k', 'new'));
    const reading2 = await storage.getObject('k');
    await storage.deleteObject('k');
    expect((await readAll(reading.body)).equals(old)).toBe(true);
    expect(reading.meta.md5).toBe(md5(old));
    expect((await readAll(reading2.body)).toString()).toBe('new');
  });

  it('keeps objects, metadata and the journal across a restart', async () => {
    const put = await storage.putObject(
      putInput('r/1', 'persisted', { contentType: 'text/plain', checksums: () => ({ crc32: 'abc=' }) }),
    );
    await storage.putObject(putInput('r/2', 'gone'));
    await storage.deleteObject('r/2');
    const seq = await storage.lastSeq();
    await storage.onApplicationShutdown();
    storage = await open();
    expect(await storage.headObject('r/1')).toEqual(put);
    expect(await storage.lastSeq()).toBe(seq);
    expect(await storage.countObjects()).toBe(1);
    expect((await storage.changesSince(0)).map((c) => c.op)).toEqual(['put', 'put', 'delete']);
    await storage.putObject(putInput('r/3', 'after restart'));
    expect(await storage.lastSeq()).toBeGreaterThan(seq);
  });

  it('refuses writes once shut down, after finishing the ones in progress', async () => {
    const slow = new Readable({ read() {} });
    const inProgress = storage.putObject(putInput('slow', slow));
    const closing = storage.onApplicationShutdown();
    await expect(storage.putObject(putInput('late', 'x'))).rejects.toThrow('shutting down');
    slow.push('done');
    slow.push(null);
    await expect(inProgress).resolves.toMatchObject({ key: 'slow', size: 4 });
    await closing;
    storage = await open();
    expect((await readAll((await storage.getObject('slow')).body)).toString()).toBe('done');
  });

  it('reports the folder unwritable when its temp folder cannot take a file', async () => {
    await rm(join(dataDir, 'tmp'), { recursive: true });
    await writeFile(join(dataDir, 'tmp'), 'not a folder');
    const result = await storage.checkWritable();
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/ENOTDIR/);
    await rm(join(dataDir, 'tmp'));
    await mkdir(join(dataDir, 'tmp'));
    expect(await storage.checkWritable()).toEqual({ ok: true });
  });
});
