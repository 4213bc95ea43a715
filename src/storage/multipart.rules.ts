import { createHash, randomBytes } from 'node:crypto';
import { pickHeaders } from './object-headers.js';
import type { CreateUploadInput, MultipartUpload, ObjectMeta, PartMeta, RequestedPart } from './storage.backend.js';
import { StorageError } from './storage.errors.js';

/**
 * The limits of S3 multipart uploads (AWS S3 User Guide, "Amazon S3 multipart upload limits"): parts numbered
 * 1 to 10,000, each at most 5 GiB, and each but the last at least 5 MiB.
 */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_SIZE = 5 * 1024 ** 3;
export const MAX_PARTS = 10_000;

/** Upload ids are ours: 32 lowercase hex characters, so one can never name a path outside its folder. */
export function newUploadId(): string {
  return randomBytes(16).toString('hex');
}

/** The upload CreateMultipartUpload starts: a fresh id, now, and what the completed object will carry. */
export function newUpload(input: CreateUploadInput): MultipartUpload {
  const upload: MultipartUpload = {
    ...pickHeaders(input),
    key: input.key,
    uploadId: newUploadId(),
    initiated: new Date(),
  };
  if (input.checksumAlgorithm) upload.checksumAlgorithm = input.checksumAlgorithm;
  if (input.checksumType) upload.checksumType = input.checksumType;
  return upload;
}

export function isUploadId(id: string): boolean {
  return /^[0-9a-f]{32}$/.test(id);
}

export function noSuchUpload(uploadId: string): StorageError {
  return new StorageError(
    'NoSuchUpload',
    `The upload ${JSON.stringify(uploadId)} does not exist for this key: it was completed, aborted, expired, or never started.`,
  );
}

/** The S3 ETag of a multipart object: md5 of the concatenated binary md5s of its parts, then `-<part count>`. */
export function compositeETag(partMd5s: string[]): string {
  const hash = createHash('md5');
  for (const md5 of partMd5s) hash.update(Buffer.from(md5, 'hex'));
  return `${hash.digest('hex')}-${partMd5s.length}`;
}

/** The ETag S3 shows for an object, unquoted. */
export function objectETag(meta: Pick<ObjectMeta, 'md5' | 'multipart'>): string {
  return meta.multipart?.etag ?? meta.md5;
}

/** An ETag as a client sends it back, quoted or not (S3 accepts both): its value, without quotes or blanks. */
export function unquoteETag(etag: string): string {
  return etag.trim().replace(/^"(.*)"$/, '$1');
}

/**
 * The parts a CompleteMultipartUpload names, checked the way S3 checks them, in its order: part numbers strictly
 * ascending (InvalidPartOrder), each one uploaded with that ETag and, when given, those checksums (InvalidPart),
 * and every part but the last at least MIN_PART_SIZE (EntityTooSmall). Resolves the stored parts, in order.
 */
export function selectParts<P extends PartMeta>(requested: RequestedPart[], stored: ReadonlyMap<number, P>): P[] {
  if (requested.length === 0)
    throw new StorageError('InvalidPart', 'A multipart upload completes with at least one part.');
  const chosen: P[] = [];
  let previous = 0;
  for (const part of requested) {
    if (part.partNumber <= previous) {
      throw new StorageError(
        'InvalidPartOrder',
        'The list of parts was not in ascending order: parts must be ordered by part number, each listed once.',
      );
    }
    previous = part.partNumber;
    const found = stored.get(part.partNumber);
    if (!found || unquoteETag(part.etag) !== found.md5) {
      throw new StorageError(
        'InvalidPart',
        `Part ${part.partNumber} could not be found, or its ETag does not match: it may not have been uploaded.`,
      );
    }
    for (const [algorithm, value] of Object.entries(part.checksums)) {
      if (found.checksums[algorithm] !== value) {
        throw new StorageError(
          'InvalidPart',
          `The ${algorithm.toUpperCase()} given for part ${part.partNumber} is not the one it was uploaded with.`,
        );
      }
    }
    chosen.push(found);
  }
  const small = chosen.slice(0, -1).find((p) => p.size < MIN_PART_SIZE);
  if (small) {
    throw new StorageError(
      'EntityTooSmall',
      `Part ${small.partNumber} has ${small.size} bytes: every part but the last must be at least ${MIN_PART_SIZE} bytes (5 MiB).`,
    );
  }
  return chosen;
}

/** S3_MAX_OBJECT_SIZE applies to the completed object: refused before a byte is copied. */
export function assertCompletedSize(parts: PartMeta[], maxSize: number): void {
  const total = parts.reduce((sum, p) => sum + p.size, 0);
  if (total > maxSize) {
    throw new StorageError(
      'EntityTooLarge',
      `The completed object would have ${total} bytes; at most ${maxSize} are allowed.`,
    );
  }
}

export function keyExists(key: string): StorageError {
  return new StorageError('PreconditionFailed', `An object with the key "${key}" exists (If-None-Match: *).`);
}

/**
 * A copy is written in one piece: checksums of the parts of a multipart source (`<value>-<n>`) do not describe
 * it, full-object ones do.
 */
export function fullObjectChecksums(checksums: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(checksums).filter(([, value]) => !value.includes('-')));
}
