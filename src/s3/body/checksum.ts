import { Crc32c, Crc64Nvme } from '@aws-sdk/checksums/crc';
import { createHash, Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * The flexible checksums S3 verifies on upload (AWS S3 User Guide, "Checking object integrity"):
 * x-amz-checksum-<name>, base64 of the big-endian digest. CRC32C and CRC64NVME come from @aws-sdk/checksums,
 * the code @aws-sdk/client-s3 itself uses to compute them, so both ends agree by construction.
 */
export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** Digest sizes in bytes: a value of another length is malformed, not merely wrong. */
export const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = {
  crc32: 4,
  crc32c: 4,
  crc64nvme: 8,
  sha1: 20,
  sha256: 32,
};

export interface Checksummer {
  update(data: Buffer): void;
  digest(): Promise<Buffer>;
}

class Crc32Checksummer implements Checksummer {
  private value = 0;
  update(data: Buffer): void {
    this.value = crc32(data, this.value);
  }
  async digest(): Promise<Buffer> {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.value >>> 0);
    return out;
  }
}

function fromHash(hash: Hash): Checksummer {
  return { update: (data) => void hash.update(data), digest: async () => hash.digest() };
}

function fromSdk(impl: { update(data: Uint8Array): void; digest(): Promise<Uint8Array> }): Checksummer {
  return { update: (data) => impl.update(data), digest: async () => Buffer.from(await impl.digest()) };
}

export function createChecksummer(algorithm: ChecksumAlgorithm): Checksummer {
  switch (algorithm) {
    case 'crc32':
      return new Crc32Checksummer();
    case 'crc32c':
      return fromSdk(new Crc32c());
    case 'crc64nvme':
      return fromSdk(new Crc64Nvme());
    case 'sha1':
      return fromHash(createHash('sha1'));
    case 'sha256':
      return fromHash(createHash('sha256'));
  }
}

/** 'x-amz-checksum-crc32' → 'crc32'; undefined for other names (x-amz-checksum-type, -mode, -algorithm, unknown ones). */
export function checksumAlgorithmOfHeader(name: string): ChecksumAlgorithm | undefined {
  const lower = name.toLowerCase();
  if (!lower.startsWith('x-amz-checksum-')) return undefined;
  return CHECKSUM_ALGORITHMS.find((a) => a === lower.slice('x-amz-checksum-'.length));
}

/** 'CRC32' / 'crc32' (x-amz-sdk-checksum-algorithm) → 'crc32'; undefined when not one we verify. */
export function checksumAlgorithmOfName(name: string): ChecksumAlgorithm | undefined {
  return CHECKSUM_ALGORITHMS.find((a) => a === name.trim().toLowerCase());
}

/** Canonical base64 (padding included) that decodes to exactly `bytes` bytes. */
export function isBase64Digest(value: string, bytes: number): boolean {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return false;
  const decoded = Buffer.from(value, 'base64');
  return decoded.length === bytes && decoded.toString('base64') === value;
}
