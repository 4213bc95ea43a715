import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { InMemoryStorageBackend } from '../../../test/fakes/in-memory-storage.backend.js';
import { bodyOf } from '../../storage/storage-test.helpers.js';
import type { StorageBackend } from '../../storage/storage.backend.js';
import type { ServedBuckets } from '../buckets/served-buckets.port.js';
import { AbandonedUploadsCleaner } from './abandoned-uploads.cleaner.js';

const HOUR = 60 * 60 * 1000;

/** The buckets served, each over its own storage. */
function served(storages: Record<string, StorageBackend>): ServedBuckets {
  const all = Object.entries(storages).map(([bucket, storage]) => ({ bucket, storage }));
  return { all: () => all, find: (name) => all.find((entry) => entry.bucket === name) };
}

describe('AbandonedUploadsCleaner', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('removes uploads idle for longer than S3_MULTIPART_EXPIRY_HOURS, counting from their latest part', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z'), doNotFake: ['setImmediate', 'nextTick'] });
    const storage = new InMemoryStorageBackend();
    const cleaner = new AbandonedUploadsCleaner(
      { multipartExpiryHours: 24 } as ConstructorParameters<typeof AbandonedUploadsCleaner>[0],
      served({ annotations: storage }),
    );
    const idle = await storage.createUpload({ key: 'idle', userMetadata: {} });
    const busy = await storage.createUpload({ key: 'busy', userMetadata: {} });
    jest.setSystemTime(Date.now() + 20 * HOUR);
    await storage.uploadPart({ uploadId: busy.uploadId, key: 'busy', partNumber: 1, body: bodyOf('x'), maxSize: 10 });
    await cleaner.sweep();
    expect((await storage.listUploads({ prefix: '', limit: 10 })).map((u) => u.key)).toEqual(['busy', 'idle']);

    jest.setSystemTime(Date.now() + 5 * HOUR); // idle: 25 h since creation; busy: 5 h since its part
    await cleaner.sweep();
    expect((await storage.listUploads({ prefix: '', limit: 10 })).map((u) => u.key)).toEqual(['busy']);
    expect(idle.uploadId).not.toBe(busy.uploadId);
  });

  it('sweeps at startup and on a timer, and stops the timer at shutdown', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z'), doNotFake: ['setImmediate', 'nextTick'] });
    const storage = new InMemoryStorageBackend();
    const sweeps = jest.spyOn(storage, 'abortUploadsIdleSince');
    const cleaner = new AbandonedUploadsCleaner(
      { multipartExpiryHours: 1 } as ConstructorParameters<typeof AbandonedUploadsCleaner>[0],
      served({ annotations: storage }),
    );
    cleaner.onApplicationBootstrap();
    expect(sweeps).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(HOUR / 4); // a quarter of the expiry, at most every hour
    expect(sweeps).toHaveBeenCalledTimes(2);
    await cleaner.onApplicationShutdown();
    await jest.advanceTimersByTimeAsync(HOUR);
    expect(sweeps).toHaveBeenCalledTimes(2);
  });

  it('sweeps every bucket, and a bucket that fails does not keep the others from being cleaned', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z'), doNotFake: ['setImmediate', 'nextTick'] });
    const [broken, sentiment, ner] = [
      new InMemoryStorageBackend(),
      new InMemoryStorageBackend(),
      new InMemoryStorageBackend(),
    ];
    jest.spyOn(broken, 'abortUploadsIdleSince').mockRejectedValue(new Error('disk gone'));
    const cleaner = new AbandonedUploadsCleaner(
      { multipartExpiryHours: 1 } as ConstructorParameters<typeof AbandonedUploadsCleaner>[0],
      served({ broken, sentiment, ner }),
    );
    await sentiment.createUpload({ key: 'a', userMetadata: {} });
    await ner.createUpload({ key: 'b', userMetadata: {} });
    jest.setSystemTime(Date.now() + 2 * HOUR);
    await cleaner.sweep();
    expect(await sentiment.listUploads({ prefix: '', limit: 10 })).toEqual([]);
    expect(await ner.listUploads({ prefix: '', limit: 10 })).toEqual([]);
  });
});
