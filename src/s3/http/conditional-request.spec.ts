import { describe, expect, it } from '@jest/globals';
import { S3Error } from '../errors/s3-error.js';
import {
  checkConditions,
  conditionHeaders,
  ConditionHeaders,
  ConditionMode,
  etagMatches,
} from './conditional-request.js';

const target = { md5: '0123456789abcdef0123456789abcdef', lastModified: new Date('2025-03-01T12:00:00.500Z') };
const quoted = `"${target.md5}"`;
const before = 'Sat, 01 Mar 2025 11:00:00 GMT';
const same = 'Sat, 01 Mar 2025 12:00:00 GMT'; // same second as lastModified (HTTP dates have no milliseconds)
const after = 'Sat, 01 Mar 2025 13:00:00 GMT';

function outcome(headers: ConditionHeaders, mode: ConditionMode = 'read'): number {
  try {
    checkConditions(headers, target, mode);
    return 200;
  } catch (error) {
    return (error as S3Error).status;
  }
}

describe('checkConditions (RFC 9110 §13.2.2 as S3 applies it)', () => {
  it.each<[string, ConditionHeaders, number]>([
    ['no conditions', {}, 200],
    ['If-Match same ETag', { ifMatch: quoted }, 200],
    ['If-Match unquoted ETag', { ifMatch: target.md5 }, 200],
    ['If-Match *', { ifMatch: '*' }, 200],
    ['If-Match list containing it', { ifMatch: `"nope", ${quoted}` }, 200],
    ['If-Match other ETag', { ifMatch: '"nope"' }, 412],
    ['If-Unmodified-Since after change', { ifUnmodifiedSince: after }, 200],
    ['If-Unmodified-Since same second', { ifUnmodifiedSince: same }, 200],
    ['If-Unmodified-Since before change', { ifUnmodifiedSince: before }, 412],
    ['If-Unmodified-Since invalid date is ignored', { ifUnmodifiedSince: 'yesterday' }, 200],
    [
      'If-Match true wins over If-Unmodified-Since false (S3 docs)',
      { ifMatch: quoted, ifUnmodifiedSince: before },
      200,
    ],
    ['If-None-Match same ETag', { ifNoneMatch: quoted }, 304],
    ['If-None-Match *', { ifNoneMatch: '*' }, 304],
    ['If-None-Match weak form of same ETag', { ifNoneMatch: `W/${quoted}` }, 304],
    ['If-None-Match other ETag', { ifNoneMatch: '"nope"' }, 200],
    ['If-Modified-Since before change', { ifModifiedSince: before }, 200],
    ['If-Modified-Since same second', { ifModifiedSince: same }, 304],
    ['If-Modified-Since after change', { ifModifiedSince: after }, 304],
    ['If-Modified-Since invalid date is ignored', { ifModifiedSince: 'soon' }, 200],
    [
      'If-None-Match false + If-Modified-Since true → 304 (S3 docs)',
      { ifNoneMatch: quoted, ifModifiedSince: before },
      304,
    ],
    [
      'If-None-Match true (no match) wins over If-Modified-Since not modified',
      { ifNoneMatch: '"nope"', ifModifiedSince: after },
      200,
    ],
    ['412 beats 304', { ifMatch: '"nope"', ifNoneMatch: quoted }, 412],
  ])('%s → %d', (_label, headers, status) => {
    expect(outcome(headers)).toBe(status);
  });

  it.each<[string, ConditionHeaders]>([
    ['If-None-Match matches', { ifNoneMatch: quoted }],
    ['If-Modified-Since not modified', { ifModifiedSince: after }],
  ])('copy source: %s is 412, not 304', (_label, headers) => {
    expect(outcome(headers, 'copy')).toBe(412);
  });

  it('a 304 carries ETag and Last-Modified for the client cache', () => {
    try {
      checkConditions({ ifNoneMatch: quoted }, target, 'read');
      throw new Error('expected 304');
    } catch (error) {
      expect((error as S3Error).code).toBe('NotModified');
      expect((error as S3Error).details).toEqual({ etag: quoted, 'last-modified': 'Sat, 01 Mar 2025 12:00:00 GMT' });
    }
  });
});

describe('etagMatches', () => {
  it.each([
    ['"abc"', 'abc', true],
    ['abc', 'abc', true],
    ['"x", "abc"', 'abc', true],
    ['"abcd"', 'abc', false],
    ['', 'abc', false],
  ])('%s vs %s → %s', (header, md5, expected) => {
    expect(etagMatches(header, md5)).toBe(expected);
  });
});

describe('conditionHeaders', () => {
  const headers = {
    'if-match': '"a"',
    'if-none-match': '"b"',
    'x-amz-copy-source-if-match': '"c"',
    'x-amz-copy-source-if-modified-since': before,
  };
  it('reads GET/HEAD conditions', () => {
    expect(conditionHeaders(headers, 'read')).toEqual({
      ifMatch: '"a"',
      ifNoneMatch: '"b"',
      ifModifiedSince: undefined,
      ifUnmodifiedSince: undefined,
    });
  });
  it('reads copy-source conditions', () => {
    expect(conditionHeaders(headers, 'copy')).toEqual({
      ifMatch: '"c"',
      ifNoneMatch: undefined,
      ifModifiedSince: before,
      ifUnmodifiedSince: undefined,
    });
  });
});
