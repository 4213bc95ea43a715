import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { InMemoryStorageBackend } from '../../test/fakes/in-memory-storage.backend.js';
import { DvcPushError } from '../dvc/dvc-push.error.js';
import { DvcRemoteError } from '../dvc/dvc-remote.error.js';
import { md5Hex } from '../dvc/md5.util.js';
import { isObjectChange, lazyObjectSource, ObjectChangedError } from './object-source.factory.js';

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
    ['gathered by pushObjects', push(changed, wrapped), true],
    ['mixed with a real failure', push(changed, network), false],
    ['a network error', network, false],
    ['a push of network errors', push(network), false],
    ['not an error', 'boom', false],
  ])('%s → %s', (_, error, expected) => {
    expect(isObjectChange(error)).toBe(expected);
  });
});

describe('lazyObjectSource', () => {
  async function read(source: () => Readable): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of source()) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
  const put = (storage: InMemoryStorageBackend, body: string) =>
    storage.putObject({ key: 'k', body: Readable.from([Buffer.from(body)]), maxSize: 1024, userMetadata: {} });

  it('streams the object when it still has the planned md5, and opens it anew on each call', async () => {
    const storage = new InMemoryStorageBackend();
    await put(storage, 'v1');
    const source = lazyObjectSource(storage, 'k', md5Hex(Buffer.from('v1')));
    expect((await read(source)).toString()).toBe('v1');
    expect((await read(source)).toString()).toBe('v1');
  });

  it.each([
    ['overwritten', (s: InMemoryStorageBackend) => put(s, 'v2'), ObjectChangedError],
    ['deleted', (s: InMemoryStorageBackend) => s.deleteObject('k'), ObjectChangedError],
  ])('fails when the object was %s after planning, without sending other bytes', async (_, change, expected) => {
    const storage = new InMemoryStorageBackend();
    await put(storage, 'v1');
    const source = lazyObjectSource(storage, 'k', md5Hex(Buffer.from('v1')));
    await change(storage);
    await expect(read(source)).rejects.toThrow(expected);
  });
});
