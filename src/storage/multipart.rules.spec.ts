import { describe, expect, it } from '@jest/globals';
import {
  compositeETag,
  fullObjectChecksums,
  isUploadId,
  MIN_PART_SIZE,
  newUploadId,
  objectETag,
  selectParts,
} from './multipart.rules.js';
import type { PartMeta, RequestedPart } from './storage.backend.js';
import { StorageError } from './storage.errors.js';

const MD5_A = '0cc175b9c0f1b6a831c399e269772661'; // md5("a")
const MD5_B = '92eb5ffee6ae2fec3ad71c777531578f'; // md5("b")

describe('compositeETag', () => {
  it('is the md5 of the concatenated binary md5s, then -<count> (value from Python hashlib)', () => {
    expect(compositeETag([MD5_A, MD5_B])).toBe('96e024ba2074fe77e8e965ba43a704be-2');
    expect(compositeETag([MD5_A])).toMatch(/-1$/);
    expect(compositeETag([MD5_A])).not.toBe(`${MD5_A}-1`);
  });
});

describe('objectETag', () => {
  it('is the md5 for an object written in one piece, the composite ETag for one made of parts', () => {
    expect(objectETag({ md5: MD5_A })).toBe(MD5_A);
    expect(objectETag({ md5: MD5_A, multipart: { etag: 'abc-2', partSizes: [1, 1] } })).toBe('abc-2');
  });
});

describe('upload ids', () => {
  it.each([
    ['a fresh id', newUploadId(), true],
    ['32 lowercase hex', '0123456789abcdef0123456789abcdef', true],
    ['upper case', '0123456789ABCDEF0123456789ABCDEF', false],
    ['a path', '../../objects/secret-file-name00', false],
    ['too short', 'abc', false],
    ['empty', '', false],
  ])('%s → %s', (_what, id, valid) => {
    expect(isUploadId(id)).toBe(valid);
  });
});

describe('fullObjectChecksums', () => {
  it('keeps full-object checksums and drops composite ones (`<value>-<parts>`)', () => {
    expect(fullObjectChecksums({ crc32: 'NSRBwg==', sha256: 'x-3', crc32c: 'AAAAAA==-2' })).toEqual({
      crc32: 'NSRBwg==',
    });
  });
});

describe('selectParts', () => {
  const BIG = MIN_PART_SIZE;
  const stored = new Map<number, PartMeta>(
    (
      [
        [1, BIG, MD5_A, { crc32: 'NSRBwg==' }],
        [2, BIG, MD5_B, {}],
        [3, 10, MD5_A, {}],
        [5, BIG - 1, MD5_B, {}],
      ] as const
    ).map(([partNumber, size, md5, checksums]) => [
      partNumber,
      { partNumber, size, md5, lastModified: new Date(0), checksums: { ...checksums } },
    ]),
  );
  const ref = (partNumber: number, etag: string, checksums: Record<string, string> = {}): RequestedPart => ({
    partNumber,
    etag,
    checksums,
  });
  const outcome = (requested: RequestedPart[]) => {
    try {
      return selectParts(requested, stored).map((p) => p.partNumber);
    } catch (error) {
      return (error as StorageError).code;
    }
  };

  it.each<[string, RequestedPart[], number[] | string]>([
    ['quoted ETags, in order', [ref(1, `"${MD5_A}"`), ref(2, `"${MD5_B}"`), ref(3, `"${MD5_A}"`)], [1, 2, 3]],
    ['unquoted ETags', [ref(1, MD5_A), ref(3, MD5_A)], [1, 3]],
    ['gaps in the numbering', [ref(2, MD5_B), ref(5, MD5_B)], [2, 5]],
    ['one small part alone (it is the last)', [ref(3, MD5_A)], [3]],
    ['the right checksum', [ref(1, MD5_A, { crc32: 'NSRBwg==' })], [1]],
    ['no parts', [], 'InvalidPart'],
    ['descending numbers', [ref(2, MD5_B), ref(1, MD5_A)], 'InvalidPartOrder'],
    ['a number twice', [ref(1, MD5_A), ref(1, MD5_A)], 'InvalidPartOrder'],
    ['a part never uploaded', [ref(1, MD5_A), ref(4, MD5_A)], 'InvalidPart'],
    ['a wrong ETag', [ref(1, MD5_B)], 'InvalidPart'],
    ['a wrong checksum', [ref(1, MD5_A, { crc32: 'AAAAAA==' })], 'InvalidPart'],
    ['a checksum the part was not uploaded with', [ref(2, MD5_B, { crc32: 'NSRBwg==' })], 'InvalidPart'],
    ['a small part before the last', [ref(3, MD5_A), ref(5, MD5_B)], 'EntityTooSmall'],
    ['a part one byte below 5 MiB before the last', [ref(5, MD5_B), ref(6, MD5_A)], 'InvalidPart'],
    [
      'order is judged before existence, part by part',
      [ref(2, MD5_B), ref(1, MD5_A), ref(9, MD5_A)],
      'InvalidPartOrder',
    ],
    ['existence is judged before sizes', [ref(3, MD5_A), ref(4, MD5_A)], 'InvalidPart'],
  ])('%s', (_what, requested, expected) => {
    expect(outcome(requested)).toEqual(expected);
  });

  it('refuses exactly 5 MiB − 1 before the last part, accepts exactly 5 MiB', () => {
    const sized = (size: number) =>
      new Map<number, PartMeta>([
        [1, { partNumber: 1, size, md5: MD5_A, lastModified: new Date(0), checksums: {} }],
        [2, { partNumber: 2, size: 1, md5: MD5_B, lastModified: new Date(0), checksums: {} }],
      ]);
    const parts = [ref(1, MD5_A), ref(2, MD5_B)];
    expect(() => selectParts(parts, sized(MIN_PART_SIZE - 1))).toThrow(/at least 5242880 bytes/);
    expect(selectParts(parts, sized(MIN_PART_SIZE))).toHaveLength(2);
  });
});
