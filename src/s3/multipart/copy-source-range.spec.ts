import { describe, expect, it } from '@jest/globals';
import { S3Error } from '../errors/s3-error.js';
import { parseCopySourceRange } from './copy-source-range.js';

describe('parseCopySourceRange', () => {
  const outcome = (header: string | undefined, size: number) => {
    try {
      return parseCopySourceRange(header, size);
    } catch (error) {
      return `${(error as S3Error).status} ${(error as S3Error).code}`;
    }
  };
  it.each<[string | undefined, number, unknown]>([
    [undefined, 10, undefined],
    ['bytes=0-9', 10, { start: 0, end: 9 }],
    ['bytes=3-3', 10, { start: 3, end: 3 }],
    ['bytes=0-10', 10, '416 InvalidRange'],
    ['bytes=5-4', 10, '400 InvalidArgument'],
    ['bytes=-5', 10, '400 InvalidArgument'],
    ['bytes=5-', 10, '400 InvalidArgument'],
    ['bytes=0-1,3-4', 10, '400 InvalidArgument'],
    ['0-9', 10, '400 InvalidArgument'],
  ])('%j on %d bytes → %j', (header, size, expected) => {
    expect(outcome(header, size)).toEqual(expected);
  });
});
