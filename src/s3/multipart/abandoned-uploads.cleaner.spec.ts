import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { InMemoryStorageBackend } from '../../../test/fakes/in-memory-storage.backend.js';
import { bodyOf } from '../../storage/storage-test.helpers.js';
import { AbandonedUploadsCleaner } from './abandoned-uploads.cleaner.js';

const HOUR = 60 * 60 * 1000;

describe('AbandonedUploadsCleaner', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('removes uploads idle for longer than S3_MULTIPART_EXPIRY_HOURS, counting from their latest part', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z'), doNotFake: ['setImmediate', 'nextTick'] });
    const storage = new InMemoryStorageBackend();
    const cleaner = new AbandonedUploadsCleaner(
      { multipartExpiryHours: 24 } as ConstructorParameters<typeof AbandonedUploadsCleaner>[0],
      storage,
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
      storage,
    );
    cleaner.onApplicationBootstrap();
    expect(sweeps).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(HOUR / 4); // a quarter of the expiry, at most every hour
    expect(sweeps).toHaveBeenCalledTimes(2);
    await cleaner.onApplicationShutdown();
    await jest.advanceTimersByTimeAsync(HOUR);
    expect(sweeps).toHaveBeenCalledTimes(2);
  });
});
