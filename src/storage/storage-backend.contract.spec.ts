import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryStorageBackend } from '../../test/fakes/in-memory-storage.backend.js';
import { LocalStorageBackend } from './local-storage.backend.js';
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
    expect(await codeOf(storage.headObject('big'))).toBe('NoSuchKey');
    expect(await storage.putObject(putInput('fits', '12345', { maxSize: 5 }))).toMatchObject({ size: 5 });
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
