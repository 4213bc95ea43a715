import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DurableDirs } from './durable-dirs.js';
import {
  createOnLoop,
  createOnPool,
  fileDigest,
  gatherBody,
  placeFile,
  writeBody,
  writeGatheredFile,
  writeInPlace,
  type CreateFile,
  type WrittenFile,
} from './durable-fs.js';
import { OBJECT_FILE_MODE } from './storage-layout.js';
import { md5 } from './storage-test.helpers.js';

/** More than libuv's pool ever has here (4 unless UV_THREADPOOL_SIZE says otherwise; the Dockerfile leaves it). */
const POOL_THREADS_AT_MOST = 64;

describe('durable-fs', () => {
  let dir: string;
  let root: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'durable-fs-'));
    root = join(dir, 'objects');
    await mkdir(root);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function temp(name: string, bytes: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, bytes);
    return path;
  }

  it('places a file in a folder known durable even when a delete removed that folder since', async () => {
    const dirs = new DurableDirs(root);
    await placeFile(await temp('t1', 'one'), join(root, 'a', 'b', '1'), dirs);
    expect(dirs.isKnown(join(root, 'a', 'b'))).toBe(true);
    await rm(join(root, 'a'), { recursive: true }); // pruned after the put looked (it skips mkdir for a known folder)
    await placeFile(await temp('t2', 'two'), join(root, 'a', 'b', '2'), dirs);
    expect(await readFile(join(root, 'a', 'b', '2'), 'utf8')).toBe('two');
  });

  it('digests a regular file, and finds none at a missing path or a folder', async () => {
    await writeFile(join(root, 'f'), 'bytes');
    expect(await fileDigest(join(root, 'f'))).toEqual({ size: 5, md5: md5('bytes') });
    expect(await fileDigest(join(root, 'missing'))).toBeUndefined();
    expect(await fileDigest(join(root, 'f', 'below-a-file'))).toBeUndefined();
    expect(await fileDigest(root)).toBeUndefined();
  });

  // Small bodies are gathered and written on the event loop, larger ones streamed: the file must be the same.
  const KiB = 1024;
  it.each([
    ['empty', [0]],
    ['one small chunk', [2 * KiB]],
    ['small chunks up to exactly the gathering limit', [16 * KiB, 16 * KiB, 16 * KiB, 16 * KiB]],
    ['one byte past the gathering limit', [64 * KiB, 1]],
    ['many chunks, megabytes', Array.from({ length: 40 }, () => 50 * KiB)],
  ])('writes a body (%s) whole, with its md5, and fsyncs and closes it', async (_name, sizes) => {
    const chunks = sizes.map((n, i) => Buffer.alloc(n, 97 + (i % 26)));
    const path = join(dir, 'body.part');
    const file = await writeBody(Readable.from(chunks), { path }, 10 * 1024 * KiB);
    const bytes = Buffer.concat(chunks);
    expect({ size: file.size, md5: file.md5 }).toEqual({ size: bytes.length, md5: md5(bytes) });
    await file.sync();
    await file.close(); // after sync: a no-op, not a second close of a descriptor number reused meanwhile
    expect((await readFile(path)).equals(bytes)).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(OBJECT_FILE_MODE);
  });

  it.each([
    ['while still gathered', 10, false],
    ['after the file was opened', 100 * KiB, true],
  ])('passes a failing body on unchanged (%s), never more bytes than the limit', async (_name, before, fileMade) => {
    const path = join(dir, 'failing.part');
    async function* failing() {
      yield Buffer.alloc(before, 120);
      throw new Error('client went away');
    }
    await expect(writeBody(Readable.from(failing()), { path }, 1024 * KiB)).rejects.toThrow('client went away');
    // The caller removes the temp path either way; a body that failed while gathered never made a file.
    expect(
      await stat(path).then(
        () => true,
        () => false,
      ),
    ).toBe(fileMade);
    await expect(
      writeBody(Readable.from([Buffer.alloc(11)]), { path: join(dir, 'big.part') }, 10),
    ).rejects.toMatchObject({
      code: 'EntityTooLarge',
    });
    await expect(stat(join(dir, 'big.part'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it("writes a new key's file straight at its path, its folder made, and leaves alone what is in the way", async () => {
    const dirs = new DurableDirs(root);
    const body = gatherBody(Buffer.from('{"id":3}'), 100);
    const placed = await writeInPlace(body, join(root, 'tasks', '3'), dirs, createOnLoop);
    expect(placed?.folder).toBe(join(root, 'tasks'));
    await placed!.file.sync();
    expect(await readFile(join(root, 'tasks', '3'), 'utf8')).toBe('{"id":3}');
    expect((await stat(join(root, 'tasks', '3'))).mode & 0o777).toBe(OBJECT_FILE_MODE);
    // A file, or a folder, where the key's file goes: nothing written (the caller takes the temp file's way).
    await writeFile(join(root, 'tasks', 'stray'), 'left by hand');
    await mkdir(join(root, 'tasks', 'empty', 'tree'), { recursive: true });
    expect(await writeInPlace(body, join(root, 'tasks', 'stray'), dirs, createOnPool)).toBeUndefined();
    expect(await writeInPlace(body, join(root, 'tasks', 'empty'), dirs, createOnLoop)).toBeUndefined();
    expect(await readFile(join(root, 'tasks', 'stray'), 'utf8')).toBe('left by hand');
    expect((await stat(join(root, 'tasks', 'empty', 'tree'))).isDirectory()).toBe(true);
  });

  it('refuses to write over an existing file (a temp name is used once)', async () => {
    const path = await temp('taken.part', 'already');
    await expect(writeBody(Readable.from([Buffer.from('new')]), { path }, 100)).rejects.toMatchObject({
      code: 'EEXIST',
    });
    expect(await readFile(path, 'utf8')).toBe('already');
  });

  // A small body's file: created on the event loop or on the pool, as told (file-creation.gate.ts chooses). Seen from
  // here: whether the file exists as soon as the writer has returned its promise, while every thread of libuv's pool is
  // held (each opening a FIFO for reading, which waits for a writer), so that an open handed to the pool cannot have
  // run yet.
  const gatheredFileWriters = {
    writeGatheredFile: (path: string, create: CreateFile) =>
      writeGatheredFile(gatherBody(Buffer.from('{"id":1}'), 100), path, create),
    // Into the root, a folder known: its file's creation is its first step.
    writeInPlace: async (path: string, create: CreateFile) =>
      (await writeInPlace(gatherBody(Buffer.from('{"id":1}'), 100), path, new DurableDirs(dir), create))!.file,
  };
  it.each([
    ['writeGatheredFile', 'createOnLoop', 'before it returns (on the event loop)', true],
    ['writeGatheredFile', 'createOnPool', 'only once the pool is free again (on the pool)', false],
    ['writeInPlace', 'createOnLoop', 'before it returns (on the event loop)', true],
    ['writeInPlace', 'createOnPool', 'only once the pool is free again (on the pool)', false],
  ] as const)('%s with %s creates a gathered body’s file %s', async (writer, where, _, existsAtOnce) => {
    const fifos = Array.from({ length: POOL_THREADS_AT_MOST }, (_, i) => join(dir, `hold-${i}`));
    execFileSync('mkfifo', fifos);
    const held = fifos.map((fifo) => open(fifo, 'r'));
    const path = join(dir, 'small.part');
    let writing: Promise<WrittenFile>;
    let existedAtOnce: boolean;
    try {
      writing = gatheredFileWriters[writer](path, where === 'createOnLoop' ? createOnLoop : createOnPool);
      existedAtOnce = existsSync(path);
    } finally {
      // Linux opens a FIFO read-write without waiting; the writer it adds lets every held open return (the pool
      // is then free again, even when the lines above threw).
      const writers = fifos.map((fifo) => openSync(fifo, constants.O_RDWR));
      await Promise.all(held.map(async (reading) => (await reading).close()));
      writers.forEach((fd) => closeSync(fd));
    }
    const file = await writing;
    await file.sync();
    expect(existedAtOnce).toBe(existsAtOnce);
    expect(await readFile(path, 'utf8')).toBe('{"id":1}');
    expect((await stat(path)).mode & 0o777).toBe(OBJECT_FILE_MODE);
  });
});
