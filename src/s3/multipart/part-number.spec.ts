import { describe, expect, it } from '@jest/globals';
import { S3Error } from '../errors/s3-error.js';
import { parsePartNumber, partRead } from './part-number.js';

const codeOf = (run: () => unknown) => {
  try {
    return run();
  } catch (error) {
    return `${(error as S3Error).status} ${(error as S3Error).code}`;
  }
};

describe('parsePartNumber', () => {
  it.each([
    ['1', 1],
    ['10000', 10000],
    [' 7 ', 7],
    ['0', '400 InvalidArgument'],
    ['10001', '400 InvalidArgument'],
    ['-1', '400 InvalidArgument'],
    ['1.5', '400 InvalidArgument'],
    ['', '400 InvalidArgument'],
    ['abc', '400 InvalidArgument'],
    ['123456', '400 InvalidArgument'],
  ])('%j → %s', (raw, expected) => {
    expect(codeOf(() => parsePartNumber(raw))).toEqual(expected);
  });
});

describe('partRead', () => {
  const multipart = { size: 25, multipart: { etag: 'x-3', partSizes: [10, 10, 5] } };
  it.each([
    ['the first part', multipart, 1, { range: { start: 0, end: 9 }, partsCount: 3 }],
    ['a middle part', multipart, 2, { range: { start: 10, end: 19 }, partsCount: 3 }],
    ['the last part', multipart, 3, { range: { start: 20, end: 24 }, partsCount: 3 }],
    ['beyond the last part', multipart, 4, '416 InvalidPartNumber'],
    ['part 1 of an object written in one piece', { size: 7 }, 1, { range: { start: 0, end: 6 } }],
    ['part 2 of an object written in one piece', { size: 7 }, 2, '416 InvalidPartNumber'],
    ['part 1 of an empty object', { size: 0 }, 1, {}],
  ])('%s', (_what, meta, n, expected) => {
    expect(codeOf(() => partRead(meta, n))).toEqual(expected);
  });
});
