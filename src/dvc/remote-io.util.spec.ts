import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { DvcRemoteError } from './dvc-remote.error.js';
import { md5Hex } from './md5.util.js';
import {
  idsByFolder,
  inParallel,
  isTransientHttpError,
  RemoteTimeoutError,
  verifiedBytes,
  withRetries,
  withTimeout,
} from './remote-io.util.js';

const withCode = (fields: Record<string, unknown>) => Object.assign(new Error('x'), fields);

describe('isTransientHttpError', () => {
  it.each<[string, unknown, boolean]>([
    ['connection refused (Node)', withCode({ code: 'ECONNREFUSED' }), true],
    ['connection reset, nested as cause', new Error('fetch failed', { cause: withCode({ code: 'ECONNRESET' }) }), true],
    ['undici socket error', withCode({ code: 'UND_ERR_SOCKET' }), true],
    ['Azure: request not sent', withCode({ code: 'REQUEST_SEND_ERROR' }), true],
    ['Azure: 503 statusCode', withCode({ statusCode: 503, code: 'ServerBusy' }), true],
    ['GCS: numeric code 429', withCode({ code: 429 }), true],
    ['gaxios: response.status 502', withCode({ response: { status: 502 } }), true],
    ['our timeout', new RemoteTimeoutError('sftp write', 1000), true],
    ['an aborted request', Object.assign(new Error('aborted'), { name: 'AbortError' }), true],
    ['403: bad credentials', withCode({ statusCode: 403, code: 'AuthorizationFailure' }), false],
    [
      '404: no such bucket (a 4xx wins over a nested network code)',
      withCode({ code: 404, cause: withCode({ code: 'ECONNRESET' }) }),
      false,
    ],
    ['a refusal of ours', new DvcRemoteError('bytes do not match'), false],
    ['anything else', new Error('boom'), false],
  ])('%s → %s', (_name, error, transient) => {
    expect(isTransientHttpError(error)).toBe(transient);
  });
});

describe('withRetries', () => {
  it('tries a transient failure again, up to the attempts, dropping state before each retry', async () => {
    let calls = 0;
    let dropped = 0;
    const result = await withRetries({ attempts: 3, isTransient: () => true, beforeRetry: () => dropped++ }, () =>
      ++calls < 3 ? Promise.reject(new Error('blip')) : Promise.resolve('done'),
    );
    expect({ result, calls, dropped }).toEqual({ result: 'done', calls: 3, dropped: 2 });
  });

  it('gives up after the last attempt with the last error', async () => {
    let calls = 0;
    await expect(
      withRetries({ attempts: 2, isTransient: () => true }, () => Promise.reject(new Error(`try ${++calls}`))),
    ).rejects.toThrow('try 2');
  });

  it('fails at once on an error that is not transient', async () => {
    let calls = 0;
    await expect(
      withRetries({ attempts: 5, isTransient: () => false }, () => Promise.reject(new Error(`try ${++calls}`))),
    ).rejects.toThrow('try 1');
  });
});

describe('withTimeout', () => {
  it('fails a promise that does not settle in time, and runs the clean-up', async () => {
    let cleaned = false;
    await expect(withTimeout(new Promise(() => undefined), 20, 'sftp stat', () => (cleaned = true))).rejects.toThrow(
      'sftp stat: no answer within 0.02 s',
    );
    expect(cleaned).toBe(true);
  });

  it('passes a timely result through', async () => {
    await expect(withTimeout(Promise.resolve(7), 1000, 'x', () => undefined)).resolves.toBe(7);
  });
});

describe('verifiedBytes', () => {
  it.each<[string, () => Buffer | Readable]>([
    ['a Buffer', () => Buffer.from('foo')],
    ['a stream in pieces', () => Readable.from([Buffer.from('f'), Buffer.from('oo')])],
  ])('returns the bytes of %s that hash to the id', async (_name, source) => {
    expect((await verifiedBytes(md5Hex('foo'), source, 'the remote')).toString()).toBe('foo');
  });

  it('refuses bytes that do not hash to the id, and an id that is not one', async () => {
    await expect(verifiedBytes(md5Hex('foo'), () => Buffer.from('bar'), 'gs://b')).rejects.toThrow(
      /hash to 37b51d194a7513e45b56f6524f2d51f2 .*not stored in gs:\/\/b/,
    );
    await expect(verifiedBytes('../x', () => Buffer.from(''), 'gs://b')).rejects.toThrow(/not a DVC object id/);
  });
});

describe('idsByFolder and inParallel', () => {
  it('groups unique ids by their files/md5/xx folder', () => {
    const a = md5Hex('a');
    const dir = `${a.slice(0, 2)}${'0'.repeat(30)}.dir`;
    expect(idsByFolder([a, a, dir, md5Hex('b')])).toEqual(
      new Map([
        [a.slice(0, 2), [a, dir]],
        [md5Hex('b').slice(0, 2), [md5Hex('b')]],
      ]),
    );
  });

  it('never runs more than the limit at once, and runs every item', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await inParallel([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      done.push(item);
    });
    expect({ most, done: done.sort() }).toEqual({ most: 3, done: [1, 2, 3, 4, 5, 6, 7] });
  });

  it('rejects with the first failure at once, and starts no item after it', async () => {
    const started: number[] = [];
    const failure = new Error('item 2: timed out');
    const run = inParallel([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      started.push(item);
      await new Promise((resolve) => setTimeout(resolve, item === 2 ? 5 : 20));
      if (item === 2) throw failure;
    });
    await expect(run).rejects.toBe(failure);
    await new Promise((resolve) => setTimeout(resolve, 60)); // the items in flight end; none starts
    expect(started.sort()).toEqual([1, 2, 3]);
  });
});
