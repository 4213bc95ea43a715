import { describe, expect, it } from '@jest/globals';
import { StorageError, StorageErrorCode } from '../../storage/storage.errors.js';
import { S3Error } from './s3-error.js';
import { DISK_FULL_MESSAGE, toS3Error } from './to-s3-error.js';

describe('toS3Error', () => {
  it.each<[StorageErrorCode, string, number]>([
    ['NoSuchKey', 'NoSuchKey', 404],
    ['InvalidKey', 'InvalidObjectName', 400],
    ['KeyTooLong', 'KeyTooLongError', 400],
    ['ObjectParentIsFile', 'ObjectParentIsFile', 409],
    ['ObjectIsParent', 'ObjectIsParent', 409],
    ['EntityTooLarge', 'EntityTooLarge', 400],
    ['InvalidRange', 'InvalidRange', 416],
  ])('StorageError %s → %s %d, keeping its message', (code, s3Code, status) => {
    const { error, unexpected } = toS3Error(new StorageError(code, `why: ${code}`));
    expect([error.code, error.status, error.message, unexpected]).toEqual([s3Code, status, `why: ${code}`, false]);
  });

  it('S3Error passes through unchanged', () => {
    const original = new S3Error('SignatureDoesNotMatch');
    expect(toS3Error(original)).toEqual({ error: original, unexpected: false });
  });

  it.each([
    ['an Error with internals', new Error("ENOENT: no such file or directory, open '/srv/data/objects/x'")],
    ['a string', 'boom'],
    ['undefined', undefined],
  ])('%s → InternalError with the generic message, flagged for logging', (_label, thrown) => {
    const { error, unexpected } = toS3Error(thrown);
    expect([error.code, error.status, unexpected]).toEqual(['InternalError', 500, true]);
    expect(error.message).not.toContain('/srv');
  });

  it.each([
    ['ENOSPC from a write', Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })],
    ['EDQUOT from a quota', Object.assign(new Error('EDQUOT: disk quota exceeded'), { code: 'EDQUOT' })],
    ['SQLITE_FULL from the journal', Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })],
  ])('%s → 503 SlowDown saying the disk is full (clients retry it), not logged as a bug', (_label, thrown) => {
    const { error, unexpected } = toS3Error(thrown);
    expect([error.code, error.status, error.message, unexpected]).toEqual(['SlowDown', 503, DISK_FULL_MESSAGE, false]);
  });
});
