import { describe, expect, it } from '@jest/globals';
import type { ObjectMeta } from '../../storage/storage.backend.js';
import { RecentCompletions } from './recent-completions.js';

const meta = (key: string): ObjectMeta => ({
  key,
  size: 1,
  md5: 'm',
  lastModified: new Date(0),
  userMetadata: {},
  checksums: {},
  multipart: { etag: 'e-1', partSizes: [1] },
});
const parts = [{ partNumber: 1, etag: '"abc"', checksums: {} }];
const HOUR = 60 * 60 * 1000;

describe('RecentCompletions', () => {
  const recent = new RecentCompletions();
  recent.remember('u1', 'k', parts, meta('k'), 0);

  it.each<[string, string, string, typeof parts, number, boolean]>([
    ['the same request soon after', 'u1', 'k', parts, 1000, true],
    ['the same parts with unquoted ETags', 'u1', 'k', [{ partNumber: 1, etag: 'abc', checksums: {} }], 1000, true],
    ['another upload id', 'u2', 'k', parts, 1000, false],
    ['another key', 'u1', 'other', parts, 1000, false],
    ['other parts', 'u1', 'k', [{ partNumber: 2, etag: 'abc', checksums: {} }], 1000, false],
    ['more than an hour later', 'u1', 'k', parts, HOUR + 1, false],
  ])('%s', (_what, uploadId, key, requested, now, found) => {
    expect(recent.find(uploadId, key, requested, now) !== undefined).toBe(found);
  });

  it('forgets the oldest entries beyond 1,000', () => {
    const many = new RecentCompletions();
    for (let i = 0; i <= 1000; i++) many.remember(`u${i}`, 'k', parts, meta('k'), i);
    expect(many.find('u0', 'k', parts, 2000)).toBeUndefined();
    expect(many.find('u1', 'k', parts, 2000)).toBeDefined();
    expect(many.find('u1000', 'k', parts, 2000)).toBeDefined();
  });
});
