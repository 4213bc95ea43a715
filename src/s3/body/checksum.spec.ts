import { describe, expect, it } from '@jest/globals';
import {
  ChecksumAlgorithm,
  checksumAlgorithmOfHeader,
  checksumAlgorithmOfName,
  createChecksummer,
  isBase64Digest,
} from './checksum.js';

const hex = (h: string) => Buffer.from(h, 'hex').toString('base64');

async function digest(algorithm: ChecksumAlgorithm, ...pieces: string[]): Promise<string> {
  const c = createChecksummer(algorithm);
  for (const p of pieces) c.update(Buffer.from(p));
  return (await c.digest()).toString('base64');
}

describe('checksums: base64 of the big-endian digest, against published values', () => {
  it.each<[ChecksumAlgorithm, string, string, string]>([
    // "check" = the digest of '123456789' in the CRC catalogue (reveng.sourceforge.io, CRC-32/ISO-HDLC, CRC-32/ISCSI, CRC-64/NVME).
    ['crc32', '', 'AAAAAA==', 'empty input'],
    ['crc32', '123456789', hex('cbf43926'), 'CRC catalogue check'],
    ['crc32', 'hello world', 'DUoRhQ==', 'botocore httpchecksum Crc32Checksum'],
    ['crc32c', '', 'AAAAAA==', 'empty input'],
    ['crc32c', '123456789', hex('e3069283'), 'CRC catalogue check'],
    ['crc32c', 'a'.repeat(66560), 'sOO8/Q==', 'AWS S3 API reference, sigv4-streaming-trailers example trailer'],
    ['crc64nvme', '', 'AAAAAAAAAAA=', 'empty input'],
    ['crc64nvme', '123456789', hex('ae8b14860a799888'), 'CRC catalogue check'],
    ['sha1', '', hex('da39a3ee5e6b4b0d3255bfef95601890afd80709'), 'FIPS 180 empty message'],
    ['sha1', 'abc', hex('a9993e364706816aba3e25717850c26c9cd0d89d'), 'FIPS 180 example'],
    ['sha1', 'hello world', 'Kq5sNclPz7QV2+lfQIuc6R7oRu0=', 'botocore httpchecksum Sha1Checksum'],
    ['sha256', 'abc', hex('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'), 'FIPS 180 example'],
    ['sha256', 'hello world', 'uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=', 'botocore httpchecksum Sha256Checksum'],
  ])('%s(%j) = %s (%s)', async (algorithm, input, expected) => {
    expect(await digest(algorithm, input)).toBe(expected);
  });

  it.each<ChecksumAlgorithm>(['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'])(
    '%s gives the same digest fed in pieces',
    async (algorithm) => {
      expect(await digest(algorithm, '1', '2345', '', '6789')).toBe(await digest(algorithm, '123456789'));
    },
  );
});

describe('checksum names and values', () => {
  it.each([
    ['x-amz-checksum-crc32', 'crc32'],
    ['X-Amz-Checksum-CRC64NVME', 'crc64nvme'],
    ['x-amz-checksum-sha256', 'sha256'],
    ['x-amz-checksum-md5', undefined],
    ['x-amz-checksum-type', undefined],
    ['content-md5', undefined],
  ])('header %s → %s', (name, algorithm) => {
    expect(checksumAlgorithmOfHeader(name)).toBe(algorithm);
  });

  it.each([
    ['CRC32', 'crc32'],
    ['crc32c', 'crc32c'],
    ['SHA512', undefined],
  ])('x-amz-sdk-checksum-algorithm %s → %s', (name, algorithm) => {
    expect(checksumAlgorithmOfName(name)).toBe(algorithm);
  });

  it.each([
    ['AAAAAA==', 4, true],
    ['AAAAAA', 4, false], // padding is part of the value S3 compares
    ['AAAAAAA=', 4, false], // 5 bytes
    ['AAAAAAAAAAA=', 4, false], // a crc64 where a crc32 belongs
    ['AA AAA==', 4, false],
    ['AAAAAB==', 4, false], // non-canonical trailing bits
    ['1B2M2Y8AsgTpgAmY7PhCfg==', 16, true], // Content-MD5 of the empty body
  ])('%j is a %i-byte digest: %s', (value, bytes, ok) => {
    expect(isBase64Digest(value, bytes)).toBe(ok);
  });
});
