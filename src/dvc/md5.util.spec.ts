import { describe, expect, it } from '@jest/globals';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { contentMd5Base64, isObjectId, md5Hex, md5HexYielding } from './md5.util.js';

describe('md5 helpers', () => {
  it.each([
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['foo', 'acbd18db4cc2f85cedef654fccc4a4d8'],
    ['{"label": "cat"}\n', '1f7158efe575281d65231791a6d4a244'],
    // DVC 3 hashes raw bytes: CRLF is not normalised as DVC 2 did for text files.
    ['a\r\nb\r\n', '59b0d7772f0561efb95518f3cb8abc60'],
  ])('md5Hex(%j) = %s', (input, md5) => {
    expect(md5Hex(input)).toBe(md5);
    expect(md5Hex(Buffer.from(input))).toBe(md5);
  });

  // Slices are 64 KiB: the sizes around a slice's end, and several slices.
  it.each([0, 1, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 3 * 64 * 1024 + 77, 300 * 1024])(
    'md5HexYielding of %i bytes = md5Hex',
    async (length) => {
      const bytes = Buffer.alloc(length, 0);
      for (let i = 0; i < length; i++) bytes[i] = (i * 31 + (i >> 9)) & 0xff;
      await expect(md5HexYielding(bytes)).resolves.toBe(md5Hex(bytes));
    },
  );

  it('md5HexYielding lets the event loop serve others between slices (a PUT during a flush)', async () => {
    const turns: string[] = [];
    const hashing = md5HexYielding(Buffer.alloc(4 * 1024 * 1024, 1)).then(() => turns.push('hashed'));
    const other = nextTurn().then(() => turns.push('other'));
    await Promise.all([hashing, other]);
    expect(turns).toEqual(['other', 'hashed']);
  });

  it.each([
    ['acbd18db4cc2f85cedef654fccc4a4d8', true],
    ['abbbda1220ff3fd9ae205e7b74ff140d.dir', true],
    ['ACBD18DB4CC2F85CEDEF654FCCC4A4D8', false],
    ['acbd18db4cc2f85cedef654fccc4a4d', false],
    ['../../etc/passwd', false],
    ['acbd18db4cc2f85cedef654fccc4a4d8.dir.dir', false],
  ])('isObjectId(%s) = %s', (id, ok) => expect(isObjectId(id)).toBe(ok));

  it.each([
    ['acbd18db4cc2f85cedef654fccc4a4d8', 'rL0Y20zC+Fzt72VPzMSk2A=='],
    ['acbd18db4cc2f85cedef654fccc4a4d8.dir', 'rL0Y20zC+Fzt72VPzMSk2A=='],
  ])('contentMd5Base64(%s) is the digest S3 checks', (id, b64) => expect(contentMd5Base64(id)).toBe(b64));
});
