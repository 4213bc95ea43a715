import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryStorageBackend } from '../../test/fakes/in-memory-storage.backend.js';
import { IndexDatabase } from './index-database.js';
import { LocalStorageBackend } from './local-storage.backend.js';
import { MIN_PART_SIZE } from './multipart.rules.js';
import type { StorageBackend } from './storage.backend.js';
import { StorageError } from './storage.errors.js';
import { bodyOf, failingBody, md5, putInput, readAll } from './storage-test.helpers.js';

/** The same observable behaviour from the real backend and from the fake other modules test against. */
const backends: Array<[string, () => Promise<{ backend: StorageBackend; close: () => Promise<void> }>]> = [
  [
    'LocalStorageBackend',
    async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'storage-contract-'));
      const backend = new LocalStorageBackend({ dataDir });
      await backend.onModuleInit();
      return {
        backend,
        close: async () => (await backend.onApplicationShutdown(), await rm(dataDir, { recursive: true, force: true })),
      };
    },
  ],
  [
    // PROJECTS_FILE: its tables in the database every project shares, next to another bucket holding objects of
    // its own (with keys the tests write too) that must never show through.
    'LocalStorageBackend on a shared index database',
    async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'storage-contract-shared-'));
      const database = new IndexDatabase(join(dataDir, 'state', 'projects.db'));
      const neighbour = new LocalStorageBackend({
        dataDir: join(dataDir, 'projects', 'neighbour'),
        shared: { database, bucket: 'neighbour' },
      });
      await neighbour.onModuleInit();
      for (const key of ['a', 'tasks/1', 'k', 'x/y']) await neighbour.putObject(putInput(key, 'not yours'));
      const backend = new LocalStorageBackend({
        dataDir: join(dataDir, 'projects', 'tested'),
        shared: { database, bucket: 'tested' },
      });
      await backend.onModuleInit();
      return {
        backend,
        close: async () => {
          await backend.onApplicationShutdown();
          expect(await neighbour.countObjects()).toBe(4);
          await neighbour.onApplicationShutdown();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    },
  ],
  ['InMemoryStorageBackend', async () => ({ backend: new InMemoryStorageBackend(), close: async () => undefined })],
];

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof StorageError ? error.code : `not a StorageError: ${String(error)}`;
  }
  return 'resolved';
}

describe.each(backends)('%s', (_name, create) => {
  let storage: StorageBackend;
  let close: () => Promise<void>;
  beforeEach(async () => ({ backend: storage, close } = await create()));
  afterEach(async () => close());

  const keysOf = async (query: Partial<Parameters<StorageBackend['listObjects']>[0]> = {}) =>
    (await storage.listObjects({ prefix: '', limit: 1000, ...query })).map((m) => m.key);

  it('stores bytes and metadata, and returns them on get and head', async () => {
    const put = await storage.putObject(
      putInput('tasks/1', bodyOf('{"id":', '1}'), { contentType: 'application/json', userMetadata: { team: 'a' } }),
    );
    expect(put).toMatchObject({ key: 'tasks/1', size: 8, md5: md5('{"id":1}'), contentType: 'application/json' });
    const { meta, body } = await storage.getObject('tasks/1');
    expect((await readAll(body)).toString()).toBe('{"id":1}');
    expect(meta).toEqual(put);
    expect(await storage.headObject('tasks/1')).toEqual(put);
    expect(meta.userMetadata).toEqual({ team: 'a' });
    expect(meta.contentEncoding).toBeUndefined();
  });

  it('stores a body given whole, as a Buffer, as it stores the same bytes streamed', async () => {
    const bytes = Buffer.from('{"id":2}');
    const put = await storage.putObject(
      putInput('tasks/2', bytes, { checksums: () => ({ crc32: 'given' }), contentType: 'application/json' }),
    );
    expect(put).toMatchObject({ key: 'tasks/2', size: 8, md5: md5(bytes), checksums: { crc32: 'given' } });
    expect((await readAll((await storage.getObject('tasks/2')).body)).toString()).toBe('{"id":2}');
    expect(await storage.headObject('tasks/2')).toEqual(put);
    await storage.putObject(putInput('empty-buffer', Buffer.alloc(0)));
    expect(await storage.headObject('empty-buffer')).toMatchObject({ size: 0, md5: md5('') });
  });

  it('stores an empty object', async () => {
    await storage.putObject(putInput('empty', ''));
    const { meta, body } = await storage.getObject('empty');
    expect(meta).toMatchObject({ size: 0, md5: 'd41d8cd98f00b204e9800998ecf8427e' });
    expect((await readAll(body)).length).toBe(0);
  });

  it('returns only the requested byte range', async () => {
    await storage.putObject(putInput('r', '0123456789'));
    const { body, meta } = await storage.getObject('r', { start: 2, end: 5 });
    expect((await readAll(body)).toString()).toBe('2345');
    expect(meta.size).toBe(10);
    expect((await readAll((await storage.getObject('r', { start: 9, end: 9 })).body)).toString()).toBe('9');
  });

  it('asks for the checksums only once the body has ended', async () => {
    let ended = false;
    const body = bodyOf('abc');
    body.on('end', () => (ended = true));
    const meta = await storage.putObject(
      putInput('c', body, { checksums: () => ({ crc32: ended ? 'NSRBwg==' : 'too early' }) }),
    );
    expect(meta.checksums).toEqual({ crc32: 'NSRBwg==' });
    expect((await storage.headObject('c')).checksums).toEqual({ crc32: 'NSRBwg==' });
  });

  it('answers NoSuchKey for a missing key', async () => {
    expect(await codeOf(storage.headObject('missing'))).toBe('NoSuchKey');
    expect(await codeOf(storage.getObject('missing'))).toBe('NoSuchKey');
  });

  it('replaces an object on a second put', async () => {
    await storage.putObject(putInput('k', 'first'));
    await storage.putObject(putInput('k', 'second!'));
    expect((await readAll((await storage.getObject('k')).body)).toString()).toBe('second!');
    expect(await storage.headObject('k')).toMatchObject({ size: 7, md5: md5('second!') });
    expect(await storage.countObjects()).toBe(1);
  });

  it('keeps keys that only differ by slashes and dots apart', async () => {
    const keys = [
      'exports//17',
      'exports/17',
      'trailing/',
      '/abs',
      '../x',
      'a/../../x',
      '.',
      'dots/..',
      '%',
      '%2E',
      'a b+c',
      'données/😀',
    ];
    for (const [i, key] of keys.entries()) await storage.putObject(putInput(key, `body ${i}`));
    for (const [i, key] of keys.entries())
      expect((await readAll((await storage.getObject(key)).body)).toString()).toBe(`body ${i}`);
    expect(await storage.countObjects()).toBe(keys.length);
  });

  it.each([
    ['a NUL', 'a\0b', 'InvalidKey'],
    ['more than 1024 bytes', 'k'.repeat(1025), 'KeyTooLong'],
    ['an empty key', '', 'InvalidKey'],
  ])('refuses a key with %s and stores nothing', async (_what, key, code) => {
    expect(await codeOf(storage.putObject(putInput(key, 'x')))).toBe(code);
    expect(await storage.countObjects()).toBe(0);
    expect(await storage.lastSeq()).toBe(0);
  });

  it('lists in UTF-8 byte order with prefix, after, skipPrefix and limit', async () => {
    const keys = ['b/😀', 'b/\uFFFD', 'b/\uE000', 'a/2/x', 'a/1', 'a/3', 'a0', 'c'];
    for (const key of keys) await storage.putObject(putInput(key, key));
    expect(await keysOf()).toEqual(['a/1', 'a/2/x', 'a/3', 'a0', 'b/\uE000', 'b/\uFFFD', 'b/😀', 'c']);
    expect(await keysOf({ prefix: 'b/' })).toEqual(['b/\uE000', 'b/\uFFFD', 'b/😀']);
    expect(await keysOf({ prefix: 'b/', after: 'b/\uFFFD' })).toEqual(['b/😀']);
    expect(await keysOf({ prefix: 'a', skipPrefix: 'a/2/' })).toEqual(['a/1', 'a/3', 'a0']);
    expect(await keysOf({ limit: 3 })).toEqual(['a/1', 'a/2/x', 'a/3']);
    expect(await keysOf({ after: 'a/1', skipPrefix: 'a/2/', limit: 2 })).toEqual(['a/3', 'a0']);
    expect(await keysOf({ limit: 0 })).toEqual([]);
    const [listed] = await storage.listObjects({ prefix: 'c', limit: 1 });
    expect(listed).toMatchObject({ key: 'c', size: 1, md5: md5('c') });
  });

  it('deletes an object once; a missing key is not an error and is not journaled', async () => {
    await storage.putObject(putInput('d/1', 'x'));
    expect(await storage.deleteObject('d/1')).toBe(true);
    expect(await codeOf(storage.headObject('d/1'))).toBe('NoSuchKey');
    expect(await storage.deleteObject('d/1')).toBe(false);
    expect(await storage.deleteObject('never')).toBe(false);
    expect(await storage.changesSince(0)).toEqual([
      { seq: 1, key: 'd/1', op: 'put' },
      { seq: 2, key: 'd/1', op: 'delete' },
    ]);
    expect(await storage.countObjects()).toBe(0);
  });

  it('links an object to a path only while it has the expected md5 and size; later puts and deletes leave the link alone', async () => {
    const out = await mkdtemp(join(tmpdir(), 'storage-link-'));
    try {
      const put = await storage.putObject(putInput('l/1', 'first'));
      const expected = { md5: put.md5, size: put.size };
      await storage.linkObject('l/1', join(out, 'a'), expected);
      expect(await readFile(join(out, 'a'), 'utf8')).toBe('first');
      // What link(2) says when the name is taken: nothing is overwritten.
      await expect(storage.linkObject('l/1', join(out, 'a'), expected)).rejects.toMatchObject({ code: 'EEXIST' });
      await storage.putObject(putInput('l/1', 'second'));
      expect(await codeOf(storage.linkObject('l/1', join(out, 'b'), expected))).toBe('PreconditionFailed');
      expect(await codeOf(storage.linkObject('l/1', join(out, 'b'), { md5: put.md5, size: 6 }))).toBe(
        'PreconditionFailed',
      );
      await storage.deleteObject('l/1');
      expect(await codeOf(storage.linkObject('l/1', join(out, 'b'), expected))).toBe('NoSuchKey');
      expect(await readdir(out)).toEqual(['a']);
      // The stored file is replaced, never rewritten: the linked name still has the bytes it was linked with.
      expect(await readFile(join(out, 'a'), 'utf8')).toBe('first');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('copies bytes to a new journaled object, keeping or replacing the headers', async () => {
    await storage.putObject(putInput('src', 'payload', { contentType: 'text/plain', userMetadata: { a: '1' } }));
    const kept = await storage.copyObject('src', 'dst/kept');
    expect(kept).toMatchObject({
      key: 'dst/kept',
      size: 7,
      md5: md5('payload'),
      contentType: 'text/plain',
      userMetadata: { a: '1' },
    });
    const replaced = await storage.copyObject('src', 'dst/replaced', {
      contentType: 'application/json',
      userMetadata: { b: '2' },
    });
    expect(replaced).toMatchObject({ contentType: 'application/json', userMetadata: { b: '2' } });
    expect((await readAll((await storage.getObject('dst/replaced')).body)).toString()).toBe('payload');
    expect((await storage.changesSince(1)).map((c) => [c.key, c.op])).toEqual([
      ['dst/kept', 'put'],
      ['dst/replaced', 'put'],
    ]);
    expect(await codeOf(storage.copyObject('nothing', 'dst/x'))).toBe('NoSuchKey');
  });

  it('rethrows the very error of a failing body and keeps nothing of it', async () => {
    await storage.putObject(putInput('k', 'old'));
    const error = new Error('BadDigest from the verifying stream');
    await expect(storage.putObject(putInput('k', failingBody(error)))).rejects.toBe(error);
    await expect(storage.putObject(putInput('new', failingBody(error)))).rejects.toBe(error);
    expect((await readAll((await storage.getObject('k')).body)).toString()).toBe('old');
    expect(await codeOf(storage.headObject('new'))).toBe('NoSuchKey');
    expect(await storage.lastSeq()).toBe(1);
  });

  it('refuses a body larger than maxSize (EntityTooLarge) and accepts exactly maxSize', async () => {
    expect(await codeOf(storage.putObject(putInput('big', bodyOf('12345', '6'), { maxSize: 5 })))).toBe(
      'EntityTooLarge',
    );
    expect(await codeOf(storage.putObject(putInput('big', Buffer.from('123456'), { maxSize: 5 })))).toBe(
      'EntityTooLarge',
    );
    expect(await codeOf(storage.headObject('big'))).toBe('NoSuchKey');
    expect(await storage.putObject(putInput('fits', '12345', { maxSize: 5 }))).toMatchObject({ size: 5 });
    expect(await storage.putObject(putInput('fits-whole', Buffer.from('12345'), { maxSize: 5 }))).toMatchObject({
      size: 5,
    });
    expect(await storage.lastSeq()).toBe(2);
  });

  it('refuses "a/b" while "a" exists and "a" while "a/b" exists', async () => {
    await storage.putObject(putInput('a', 'file'));
    expect(await codeOf(storage.putObject(putInput('a/b', 'x')))).toBe('ObjectParentIsFile');
    expect(await codeOf(storage.copyObject('a', 'a/c'))).toBe('ObjectParentIsFile');
    await storage.putObject(putInput('x/y/z', 'deep'));
    expect(await codeOf(storage.putObject(putInput('x', 'x')))).toBe('ObjectIsParent');
    expect(await codeOf(storage.putObject(putInput('x/y', 'x')))).toBe('ObjectIsParent');
    await storage.putObject(putInput('s/', 'trailing slash'));
    expect(await codeOf(storage.putObject(putInput('s//t', 'x')))).toBe('ObjectParentIsFile');
    expect(await storage.lastSeq()).toBe(3);
    // Once the obstacle is gone, the other shape is allowed.
    await storage.deleteObject('a');
    await storage.putObject(putInput('a/b', 'now a folder'));
    await storage.deleteObject('x/y/z');
    await storage.putObject(putInput('x', 'now a file'));
    expect(await keysOf()).toEqual(['a/b', 's/', 'x']);
  });

  it('journals every change with increasing seq and pages through it', async () => {
    expect(await storage.lastSeq()).toBe(0);
    for (const key of ['j/1', 'j/2', 'j/1']) await storage.putObject(putInput(key, key));
    await storage.deleteObject('j/2');
    const all = await storage.changesSince(0);
    expect(all.map((c) => [c.key, c.op])).toEqual([
      ['j/1', 'put'],
      ['j/2', 'put'],
      ['j/1', 'put'],
      ['j/2', 'delete'],
    ]);
    expect(all.map((c) => c.seq)).toEqual([...all.map((c) => c.seq)].sort((a, b) => a - b));
    expect(new Set(all.map((c) => c.seq)).size).toBe(4);
    expect(await storage.lastSeq()).toBe(all[3].seq);
    expect(await storage.changesSince(all[1].seq, 1)).toEqual([all[2]]);
    expect(await storage.changesSince(all[3].seq)).toEqual([]);
  });

  it('prunes pushed journal entries but never goes back on lastSeq', async () => {
    for (const key of ['p/1', 'p/2', 'p/3']) await storage.putObject(putInput(key, key));
    const [first, second, third] = await storage.changesSince(0);
    await storage.pruneChanges(third.seq + 1); // everything pushed: the newest entry stays
    expect(await storage.changesSince(0)).toEqual([third]);
    expect(await storage.lastSeq()).toBe(third.seq);
    await storage.putObject(putInput('p/4', 'p/4'));
    const [, fourth] = await storage.changesSince(0);
    expect(fourth.seq).toBeGreaterThan(third.seq);
    expect([first.seq, second.seq].every((seq) => seq < third.seq)).toBe(true);
  });

  it('reports the folder writable', async () => {
    expect(await storage.checkWritable()).toEqual({ ok: true });
  });
});

describe.each(backends)('%s: multipart uploads', (_name, create) => {
  let storage: StorageBackend;
  let close: () => Promise<void>;
  beforeEach(async () => ({ backend: storage, close } = await create()));
  afterEach(async () => close());

  const MiB = 1024 * 1024;
  const big = (fill: string) => Buffer.alloc(MIN_PART_SIZE, fill);
  const part = (uploadId: string, key: string, partNumber: number, body: Buffer | string, extra = {}) =>
    storage.uploadPart({ uploadId, key, partNumber, body: bodyOf(body), maxSize: 5 * 1024 * MiB, ...extra });
  const ref = (partNumber: number, md5hex: string, checksums: Record<string, string> = {}) => ({
    partNumber,
    etag: `"${md5hex}"`,
    checksums,
  });
  const complete = (uploadId: string, key: string, parts: ReturnType<typeof ref>[], extra = {}) =>
    storage.completeUpload({ uploadId, key, parts, maxSize: 5 * 1024 * MiB, ...extra });

  it('makes the parts one object only on completion, journaled once, with the composite ETag', async () => {
    const upload = await storage.createUpload({ key: 'big/file', contentType: 'text/csv', userMetadata: { a: '1' } });
    const p1 = await part(upload.uploadId, 'big/file', 1, big('a'));
    const p2 = await part(upload.uploadId, 'big/file', 2, 'tail');
    expect(p1).toMatchObject({ partNumber: 1, size: MIN_PART_SIZE, md5: md5(big('a')) });
    expect(await codeOf(storage.headObject('big/file'))).toBe('NoSuchKey');
    expect(await storage.changesSince(0)).toEqual([]);

    const meta = await complete(upload.uploadId, 'big/file', [ref(1, p1.md5), ref(2, p2.md5)]);
    const whole = Buffer.concat([big('a'), Buffer.from('tail')]);
    const etag = createHash('md5')
      .update(Buffer.concat([Buffer.from(p1.md5, 'hex'), Buffer.from(p2.md5, 'hex')]))
      .digest('hex');
    expect(meta).toMatchObject({ key: 'big/file', size: whole.length, md5: md5(whole), contentType: 'text/csv' });
    expect(meta.multipart).toEqual({ etag: `${etag}-2`, partSizes: [MIN_PART_SIZE, 4] });
    expect(meta.userMetadata).toEqual({ a: '1' });
    const { meta: got, body } = await storage.getObject('big/file');
    expect(md5(await readAll(body))).toBe(md5(whole));
    expect(got).toEqual(meta);
    expect((await storage.changesSince(0)).map((c) => [c.key, c.op])).toEqual([['big/file', 'put']]);
    expect(await storage.listUploads({ prefix: '', limit: 10 })).toEqual([]);
    expect(await codeOf(storage.listParts(upload.uploadId, 'big/file'))).toBe('NoSuchUpload');
    expect(await codeOf(complete(upload.uploadId, 'big/file', [ref(1, p1.md5)]))).toBe('NoSuchUpload');
  });

  it('keeps the last upload of a part number, and lists parts in order with paging', async () => {
    const { uploadId } = await storage.createUpload({ key: 'k', userMetadata: {} });
    await part(uploadId, 'k', 3, 'three');
    await part(uploadId, 'k', 1, 'first try');
    const again = await part(uploadId, 'k', 1, 'one');
    const { upload, parts } = await storage.listParts(uploadId, 'k');
    expect(upload).toMatchObject({ uploadId, key: 'k' });
    expect(parts.map((p) => [p.partNumber, p.size, p.md5])).toEqual([
      [1, 3, md5('one')],
      [3, 5, md5('three')],
    ]);
    expect((await storage.listParts(uploadId, 'k', { afterPart: 1 })).parts.map((p) => p.partNumber)).toEqual([3]);
    expect((await storage.listParts(uploadId, 'k', { limit: 1 })).parts.map((p) => p.partNumber)).toEqual([1]);
    expect(await codeOf(complete(uploadId, 'k', [ref(1, md5('first try'))]))).toBe('InvalidPart');
    const meta = await complete(uploadId, 'k', [ref(1, again.md5)]);
    expect((await readAll((await storage.getObject('k')).body)).toString()).toBe('one');
    expect(meta.multipart?.etag).toMatch(/-1$/);
  });

  it.each([
    ['parts out of order', [2, 1], 'InvalidPartOrder'],
    ['a part listed twice', [1, 1], 'InvalidPartOrder'],
    ['a part never uploaded', [1, 4], 'InvalidPart'],
    ['parts out of order before a missing one (parts are checked in the order listed)', [2, 1, 4], 'InvalidPartOrder'],
    ['a small part before a missing one (existence is checked before size)', [3, 4], 'InvalidPart'],
  ])('refuses %s and leaves the upload as it was', async (_what, numbers, code) => {
    const { uploadId } = await storage.createUpload({ key: 'v', userMetadata: {} });
    const md5s = new Map<number, string>();
    for (const [n, body] of [
      [1, big('1')],
      [2, big('2')],
      [3, Buffer.from('small')],
    ] as const)
      md5s.set(n, (await part(uploadId, 'v', n, body)).md5);
    const refs = numbers.map((n) => ref(n, md5s.get(n) ?? md5('never')));
    expect(await codeOf(complete(uploadId, 'v', refs))).toBe(code);
    expect(await codeOf(storage.headObject('v'))).toBe('NoSuchKey');
    expect((await storage.listParts(uploadId, 'v')).parts).toHaveLength(3);
    expect(await storage.lastSeq()).toBe(0);
  });

  it('refuses a small part that is not the last (EntityTooSmall) and a wrong ETag or checksum (InvalidPart)', async () => {
    const { uploadId } = await storage.createUpload({ key: 's', userMetadata: {} });
    const small = await part(uploadId, 's', 1, 'small', { checksums: () => ({ crc32: 'AAAAAA==' }) });
    const last = await part(uploadId, 's', 2, 'last');
    expect(await codeOf(complete(uploadId, 's', [ref(1, small.md5), ref(2, last.md5)]))).toBe('EntityTooSmall');
    expect(await codeOf(complete(uploadId, 's', [ref(1, last.md5)]))).toBe('InvalidPart');
    expect(await codeOf(complete(uploadId, 's', [ref(1, small.md5, { crc32: 'BBBBBB==' })]))).toBe('InvalidPart');
    expect(await codeOf(complete(uploadId, 's', []))).toBe('InvalidPart');
    // Unquoted ETags and the right checksum are fine; the part alone is the last one, so it may be small.
    const meta = await storage.completeUpload({
      uploadId,
      key: 's',
      parts: [{ partNumber: 1, etag: small.md5, checksums: { crc32: 'AAAAAA==' } }],
      maxSize: 100,
    });
    expect(meta.size).toBe(5);
  });

  it('applies the object size limit to the completed object and keeps the upload', async () => {
    const { uploadId } = await storage.createUpload({ key: 'max', userMetadata: {} });
    const p1 = await part(uploadId, 'max', 1, big('x'));
    const p2 = await part(uploadId, 'max', 2, 'yy');
    const refs = [ref(1, p1.md5), ref(2, p2.md5)];
    expect(await codeOf(complete(uploadId, 'max', refs, { maxSize: MIN_PART_SIZE + 1 }))).toBe('EntityTooLarge');
    expect(await codeOf(part(uploadId, 'max', 3, 'abc', { maxSize: 2 }))).toBe('EntityTooLarge');
    expect((await complete(uploadId, 'max', refs, { maxSize: MIN_PART_SIZE + 2 })).size).toBe(MIN_PART_SIZE + 2);
  });

  it('keeps nothing of a part whose body fails, rethrowing its very error', async () => {
    const { uploadId } = await storage.createUpload({ key: 'f', userMetadata: {} });
    const error = new Error('BadDigest from the verifying stream');
    await expect(
      storage.uploadPart({ uploadId, key: 'f', partNumber: 1, body: failingBody(error), maxSize: 100 }),
    ).rejects.toBe(error);
    expect((await storage.listParts(uploadId, 'f')).parts).toEqual([]);
  });

  it('makes nothing visible when the checksums callback throws, and completes later', async () => {
    const { uploadId } = await storage.createUpload({ key: 'c', userMetadata: {}, checksumAlgorithm: 'crc32' });
    const p1 = await part(uploadId, 'c', 1, 'abc');
    const seen: Buffer[] = [];
    const error = new Error('BadDigest: full-object checksum');
    await expect(
      complete(uploadId, 'c', [ref(1, p1.md5)], {
        onBytes: (chunk: Buffer) => seen.push(Buffer.from(chunk)),
        checksums: () => Promise.reject(error),
      }),
    ).rejects.toBe(error);
    expect(Buffer.concat(seen).toString()).toBe('abc');
    expect(await codeOf(storage.headObject('c'))).toBe('NoSuchKey');
    expect(await storage.lastSeq()).toBe(0);
    const meta = await complete(uploadId, 'c', [ref(1, p1.md5)], {
      checksums: (parts: Array<{ partNumber: number }>) => Promise.resolve({ crc32: `from-${parts.length}-parts` }),
    });
    expect(meta.checksums).toEqual({ crc32: 'from-1-parts' });
    expect((await storage.listUploads({ prefix: '', limit: 10 }))[0]).toBeUndefined();
  });

  it('completes with If-None-Match only when the key is free', async () => {
    await storage.putObject(putInput('taken', 'old'));
    const { uploadId } = await storage.createUpload({ key: 'taken', userMetadata: {} });
    const p1 = await part(uploadId, 'taken', 1, 'new');
    expect(await codeOf(complete(uploadId, 'taken', [ref(1, p1.md5)], { ifNoneMatch: true }))).toBe(
      'PreconditionFailed',
    );
    expect((await readAll((await storage.getObject('taken')).body)).toString()).toBe('old');
    const free = await storage.createUpload({ key: 'free', userMetadata: {} });
    const p2 = await part(free.uploadId, 'free', 1, 'new');
    expect((await complete(free.uploadId, 'free', [ref(1, p2.md5)], { ifNoneMatch: true })).size).toBe(3);
  });

  it('answers NoSuchUpload for an unknown id, another key, and after an abort', async () => {
    const { uploadId } = await storage.createUpload({ key: 'mine', userMetadata: {} });
    await part(uploadId, 'mine', 1, 'x');
    expect(await codeOf(part(uploadId, 'other', 1, 'x'))).toBe('NoSuchUpload');
    expect(await codeOf(part('../../objects/x', 'mine', 1, 'x'))).toBe('NoSuchUpload');
    expect(await codeOf(storage.listParts('0'.repeat(32), 'mine'))).toBe('NoSuchUpload');
    expect(await codeOf(storage.abortUpload(uploadId, 'other'))).toBe('NoSuchUpload');
    await storage.abortUpload(uploadId, 'mine');
    expect(await codeOf(storage.abortUpload(uploadId, 'mine'))).toBe('NoSuchUpload');
    expect(await codeOf(part(uploadId, 'mine', 2, 'y'))).toBe('NoSuchUpload');
    expect(await storage.listUploads({ prefix: '', limit: 10 })).toEqual([]);
    expect(await codeOf(storage.createUpload({ key: 'a\0b', userMetadata: {} }))).toBe('InvalidKey');
  });

  it('refuses to start an upload whose key cannot be an object now, and checks again on completion', async () => {
    await storage.putObject(putInput('file', 'x'));
    await storage.putObject(putInput('dir/child', 'x'));
    expect(await codeOf(storage.createUpload({ key: 'file/below', userMetadata: {} }))).toBe('ObjectParentIsFile');
    expect(await codeOf(storage.createUpload({ key: 'dir', userMetadata: {} }))).toBe('ObjectIsParent');
    const { uploadId } = await storage.createUpload({ key: 'later', userMetadata: {} });
    const p1 = await part(uploadId, 'later', 1, 'x');
    await storage.putObject(putInput('later/child', 'x'));
    expect(await codeOf(complete(uploadId, 'later', [ref(1, p1.md5)]))).toBe('ObjectIsParent');
    expect((await storage.listParts(uploadId, 'later')).parts).toHaveLength(1);
  });

  it('lists uploads by key byte order, then initiation, with prefix, key and upload-id markers', async () => {
    const ids: Record<string, string> = {};
    for (const name of ['b/2', 'a', 'b/1', 'b/1#2', 'c']) {
      const key = name.replace(/#\d$/, '');
      ids[name] = (await storage.createUpload({ key, userMetadata: {} })).uploadId;
      await new Promise((resolve) => setTimeout(resolve, 3)); // distinct initiation times
    }
    const list = async (query: Partial<Parameters<StorageBackend['listUploads']>[0]>) =>
      (await storage.listUploads({ prefix: '', limit: 100, ...query })).map((u) => u.uploadId);
    expect(await list({})).toEqual([ids.a, ids['b/1'], ids['b/1#2'], ids['b/2'], ids.c]);
    expect(await list({ prefix: 'b/' })).toEqual([ids['b/1'], ids['b/1#2'], ids['b/2']]);
    expect(await list({ keyMarker: 'b/1' })).toEqual([ids['b/2'], ids.c]);
    expect(await list({ keyMarker: 'b/1', uploadIdMarker: ids['b/1'] })).toEqual([ids['b/1#2'], ids['b/2'], ids.c]);
    expect(await list({ prefix: 'b/', limit: 2 })).toEqual([ids['b/1'], ids['b/1#2']]);
  });

  it('aborts the uploads idle since a given time, and only those', async () => {
    const old = await storage.createUpload({ key: 'old', userMetadata: {} });
    const active = await storage.createUpload({ key: 'active', userMetadata: {} });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const cutoff = new Date();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await part(active.uploadId, 'active', 1, 'still going');
    expect(await storage.abortUploadsIdleSince(cutoff)).toBe(1);
    expect(await codeOf(storage.listParts(old.uploadId, 'old'))).toBe('NoSuchUpload');
    expect((await storage.listParts(active.uploadId, 'active')).parts).toHaveLength(1);
  });

  it('drops composite checksums when a multipart object is copied (the copy is one piece)', async () => {
    const { uploadId } = await storage.createUpload({ key: 'm', userMetadata: {} });
    const p1 = await part(uploadId, 'm', 1, 'abc');
    await complete(uploadId, 'm', [ref(1, p1.md5)], { checksums: () => Promise.resolve({ crc32: 'NSRBwg==-1' }) });
    const copy = await storage.copyObject('m', 'm2');
    expect(copy.checksums).toEqual({});
    expect(copy.multipart).toBeUndefined();
    expect(copy.md5).toBe(md5('abc'));
  });
});
