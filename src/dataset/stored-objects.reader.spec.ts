import { describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { InMemoryStorageBackend } from '../../test/fakes/in-memory-storage.backend.js';
import { DvcPushError } from '../dvc/dvc-push.error.js';
import { DvcRemoteError } from '../dvc/dvc-remote.error.js';
import type { ObjectSource } from '../dvc/dvc.remote.js';
import { md5Hex } from '../dvc/md5.util.js';
import { isObjectChange, ObjectChangedError, StoredObjectsReader } from './stored-objects.reader.js';

const changed = new ObjectChangedError('a');
const network = new DvcRemoteError('object x: ECONNRESET');
const wrapped = new DvcRemoteError('object x: upload failed', { cause: changed });
const push = (...errors: Error[]) =>
  new DvcPushError(
    'push failed',
    errors.map((error, i) => ({ hash: String(i), error })),
  );

describe('isObjectChange: a push that failed only because objects changed under it is planned again', () => {
  it.each<[string, unknown, boolean]>([
    ['the stream error itself', changed, true],
    ['wrapped by a remote (cause)', wrapped, true],
    ['gathered by pushDataset', push(changed, wrapped), true],
    ['mixed with a real failure', push(changed, network), false],
    ['a network error', network, false],
    ['a push of network errors', push(network), false],
    ['not an error', 'boom', false],
  ])('%s → %s', (_, error, expected) => {
    expect(isObjectChange(error)).toBe(expected);
  });
});

describe('StoredObjectsReader', () => {
  async function read(source: ObjectSource): Promise<Buffer> {
    const body = source();
    if (Buffer.isBuffer(body)) return body;
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
  const put = (storage: InMemoryStorageBackend, body: string) =>
    storage.putObject({ key: 'k', body: Readable.from([Buffer.from(body)]), maxSize: 1024, userMetadata: {} });

  it('streams the object when it still has the planned md5, and opens it anew on each call', async () => {
    const storage = new InMemoryStorageBackend();
    await put(storage, 'v1');
    const source = new StoredObjectsReader(storage).source('k', { md5: md5Hex(Buffer.from('v1')), size: 2 });
    expect((await read(source)).toString()).toBe('v1');
    expect((await read(source)).toString()).toBe('v1');
  });

  it('streams an empty object', async () => {
    const storage = new InMemoryStorageBackend();
    await put(storage, '');
    const source = new StoredObjectsReader(storage).source('k', { md5: md5Hex(Buffer.from('')), size: 0 });
    expect(await read(source)).toEqual(Buffer.alloc(0));
  });

  it.each([
    ['overwritten', (s: InMemoryStorageBackend) => put(s, 'v2'), ObjectChangedError],
    ['overwritten with more bytes', (s: InMemoryStorageBackend) => put(s, 'v1 and more'), ObjectChangedError],
    ['overwritten with fewer bytes', (s: InMemoryStorageBackend) => put(s, 'v'), ObjectChangedError],
    ['deleted', (s: InMemoryStorageBackend) => s.deleteObject('k'), ObjectChangedError],
  ])('fails when the object was %s after planning, without sending other bytes', async (_, change, expected) => {
    const storage = new InMemoryStorageBackend();
    await put(storage, 'v1');
    const source = new StoredObjectsReader(storage).source('k', { md5: md5Hex(Buffer.from('v1')), size: 2 });
    await change(storage);
    await expect(read(source)).rejects.toThrow(expected);
  });

  it.each([
    ['still has the planned md5 and size', async () => undefined, undefined],
    ['was overwritten after planning', (s: InMemoryStorageBackend) => put(s, 'v2'), ObjectChangedError],
    ['was deleted after planning', (s: InMemoryStorageBackend) => s.deleteObject('k'), ObjectChangedError],
  ])('offers its file to link, which fails as the stream does when the object %s', async (_, change, expected) => {
    const dir = await mkdtemp(join(tmpdir(), 'stored-link-'));
    try {
      const storage = new InMemoryStorageBackend();
      await put(storage, 'v1');
      const source = new StoredObjectsReader(storage).source('k', { md5: md5Hex(Buffer.from('v1')), size: 2 });
      await change(storage);
      const linked = source.linkTo!(join(dir, 'object'));
      if (expected) {
        await expect(linked).rejects.toThrow(expected);
        expect(await readdir(dir)).toEqual([]);
      } else {
        await linked;
        expect(await readFile(join(dir, 'object'), 'utf8')).toBe('v1');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('StoredObjectsReader, the read-only port of the layouts', () => {
  it('heads, reads and lists every key a page at a time; a missing key is undefined', async () => {
    const storage = new InMemoryStorageBackend();
    const keys = Array.from({ length: 1203 }, (_, i) => `t/${String(i).padStart(5, '0')}`);
    for (const key of keys)
      await storage.putObject({ key, body: Readable.from([Buffer.from(key)]), maxSize: 1024, userMetadata: {} });
    const reader = new StoredObjectsReader(storage);
    expect(await reader.head('t/00007')).toEqual({ md5: md5Hex(Buffer.from('t/00007')), size: 7 });
    expect(await reader.head('absent')).toBeUndefined();
    expect((await reader.read('t/00009'))?.bytes.toString()).toBe('t/00009');
    expect(await reader.read('absent')).toBeUndefined();
    const pages: string[][] = [];
    for await (const page of reader.keys()) pages.push(page);
    expect(pages.map((page) => page.length)).toEqual([1000, 203]);
    expect(pages.flat()).toEqual(keys);
  });
});
