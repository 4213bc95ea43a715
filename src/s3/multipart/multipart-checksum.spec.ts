import { describe, expect, it } from '@jest/globals';
import type { PartMeta } from '../../storage/storage.backend.js';
import { S3Error } from '../errors/s3-error.js';
import { compositeChecksum, uploadChecksum } from './multipart-checksum.js';

describe('uploadChecksum', () => {
  const outcome = (algorithm?: string, type?: string) => {
    try {
      return uploadChecksum(algorithm, type);
    } catch (error) {
      return (error as S3Error).code;
    }
  };
  it.each<[string | undefined, string | undefined, unknown]>([
    [undefined, undefined, undefined],
    ['', undefined, undefined],
    ['CRC32', undefined, { algorithm: 'crc32', type: 'COMPOSITE' }],
    ['crc32c', 'FULL_OBJECT', { algorithm: 'crc32c', type: 'FULL_OBJECT' }],
    ['SHA256', undefined, { algorithm: 'sha256', type: 'COMPOSITE' }],
    ['CRC64NVME', undefined, { algorithm: 'crc64nvme', type: 'FULL_OBJECT' }],
    ['CRC64NVME', 'COMPOSITE', 'InvalidRequest'],
    ['SHA1', 'FULL_OBJECT', 'InvalidRequest'],
    ['MD5', undefined, 'InvalidRequest'],
    ['CRC32', 'PARTIAL', 'InvalidRequest'],
    [undefined, 'COMPOSITE', 'InvalidRequest'],
  ])('algorithm %j, type %j → %j', (algorithm, type, expected) => {
    expect(outcome(algorithm, type)).toEqual(expected);
  });
});

describe('compositeChecksum', () => {
  const part = (partNumber: number, checksums: Record<string, string>): PartMeta => ({
    partNumber,
    size: 3,
    md5: '',
    lastModified: new Date(0),
    checksums,
  });
  it('is the checksum of the binary part checksums, then -<count> (values from Python zlib)', async () => {
    // crc32("abc") = NSRBwg==, crc32("def") = DMThYQ==, crc32 of their 8 bytes = ZYzvyg==
    expect(await compositeChecksum('crc32', [part(1, { crc32: 'NSRBwg==' }), part(2, { crc32: 'DMThYQ==' })])).toBe(
      'ZYzvyg==-2',
    );
  });
  it('refuses a part without that checksum (InvalidPart)', async () => {
    await expect(compositeChecksum('crc32', [part(1, { sha256: 'x' })])).rejects.toMatchObject({ code: 'InvalidPart' });
  });
});
