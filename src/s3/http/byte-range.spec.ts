import { describe, expect, it } from '@jest/globals';
import { S3Error } from '../errors/s3-error.js';
import { contentRange, resolveRange } from './byte-range.js';

describe('resolveRange', () => {
  const size = 10;
  it.each([
    ['no header', undefined, size, undefined],
    ['first 10 bytes of a larger object', 'bytes=0-9', 20, { start: 0, end: 9 }],
    ['middle', 'bytes=2-5', size, { start: 2, end: 5 }],
    ['open ended', 'bytes=5-', size, { start: 5, end: 9 }],
    ['whole object as a range (Label Studio proxy: bytes=0-)', 'bytes=0-', size, { start: 0, end: 9 }],
    ['suffix', 'bytes=-3', size, { start: 7, end: 9 }],
    ['suffix longer than the object', 'bytes=-50', size, { start: 0, end: 9 }],
    ['last byte past the end is clamped', 'bytes=8-100', size, { start: 8, end: 9 }],
    ['single last byte', 'bytes=9-9', size, { start: 9, end: 9 }],
    ['unit is case-insensitive, spaces tolerated', 'Bytes = 1 - 2', size, { start: 1, end: 2 }],
    ['several ranges: S3 answers the whole object', 'bytes=0-1,5-6', size, undefined],
    ['unparsable: ignored', 'bytes=abc', size, undefined],
    ['other unit: ignored', 'items=0-1', size, undefined],
    ['bare dash: ignored', 'bytes=-', size, undefined],
    ['end before start: ignored (AWS returns 200)', 'bytes=5-2', size, undefined],
    ['suffix on an empty object: whole (empty) object', 'bytes=-5', 0, undefined],
  ])('%s: %s of %d bytes', (_label, header, objectSize, expected) => {
    expect(resolveRange(header, objectSize)).toEqual(expected);
  });

  it.each([
    ['first byte at the end', 'bytes=10-', size],
    ['first byte past the end', 'bytes=40-50', size],
    ['empty object (ceph test_ranged_request_empty_object)', 'bytes=0-', 0],
    ['suffix of zero bytes', 'bytes=-0', size],
  ])('%s (%s) is 416 InvalidRange naming the size', (_label, header, objectSize) => {
    let thrown: unknown;
    try {
      resolveRange(header, objectSize);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(S3Error);
    const error = thrown as S3Error;
    expect(error.code).toBe('InvalidRange');
    expect(error.status).toBe(416);
    expect(error.details['content-range']).toBe(`bytes */${objectSize}`);
    expect(error.details.ActualObjectSize).toBe(String(objectSize));
  });

  it('formats Content-Range', () => {
    expect(contentRange({ start: 0, end: 9 }, 30)).toBe('bytes 0-9/30');
  });
});
