import type { PartMeta } from '../../storage/storage.backend.js';
import { ChecksumAlgorithm, checksumAlgorithmOfName, createChecksummer } from '../body/checksum.js';
import { S3Error } from '../errors/s3-error.js';

export type ChecksumType = 'COMPOSITE' | 'FULL_OBJECT';

export interface UploadChecksum {
  algorithm: ChecksumAlgorithm;
  type: ChecksumType;
}

/** Only the CRCs can be combined over the whole object; CRC64NVME exists only that way (AWS "Checking object integrity"). */
const FULL_OBJECT_ALGORITHMS = new Set<ChecksumAlgorithm>(['crc32', 'crc32c', 'crc64nvme']);

/**
 * CreateMultipartUpload's `x-amz-checksum-algorithm` and `x-amz-checksum-type` → the upload's checksum, checked
 * as S3 checks them. No algorithm: the upload has none (its parts may still carry checksums; they are verified).
 */
export function uploadChecksum(algorithmName?: string, typeName?: string): UploadChecksum | undefined {
  if (algorithmName === undefined || algorithmName.trim() === '') {
    if (typeName !== undefined)
      throw new S3Error('InvalidRequest', 'x-amz-checksum-type needs x-amz-checksum-algorithm as well.');
    return undefined;
  }
  const algorithm = checksumAlgorithmOfName(algorithmName);
  if (!algorithm) {
    throw new S3Error(
      'InvalidRequest',
      'Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]',
    );
  }
  const type = typeName?.trim().toUpperCase() ?? (algorithm === 'crc64nvme' ? 'FULL_OBJECT' : 'COMPOSITE');
  if (type !== 'COMPOSITE' && type !== 'FULL_OBJECT')
    throw new S3Error('InvalidRequest', `Unknown x-amz-checksum-type ${JSON.stringify(typeName)}.`);
  if (type === 'FULL_OBJECT' && !FULL_OBJECT_ALGORITHMS.has(algorithm))
    throw new S3Error(
      'InvalidRequest',
      `The FULL_OBJECT checksum type cannot be used with ${algorithm.toUpperCase()}.`,
    );
  if (type === 'COMPOSITE' && algorithm === 'crc64nvme')
    throw new S3Error('InvalidRequest', 'The COMPOSITE checksum type cannot be used with CRC64NVME.');
  return { algorithm, type };
}

/**
 * A COMPOSITE checksum, S3's "checksum of checksums": the algorithm over the concatenated binary checksums of the
 * parts, base64, then `-<part count>`. Every part must carry one (UploadPart computes it when the client did not).
 */
export async function compositeChecksum(algorithm: ChecksumAlgorithm, parts: PartMeta[]): Promise<string> {
  const checksummer = createChecksummer(algorithm);
  for (const part of parts) {
    const value = part.checksums[algorithm];
    if (value === undefined) {
      throw new S3Error('InvalidPart', `Part ${part.partNumber} has no ${algorithm.toUpperCase()} checksum.`);
    }
    checksummer.update(Buffer.from(value, 'base64'));
  }
  return `${(await checksummer.digest()).toString('base64')}-${parts.length}`;
}
