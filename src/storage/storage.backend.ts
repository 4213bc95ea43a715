import type { Readable } from 'node:stream';

/** What is kept about an object, apart from its bytes (never inside the object folder). */
export interface ObjectMeta {
  key: string;
  size: number;
  /** MD5 of the bytes, lowercase hex, without quotes: the S3 ETag and the DVC 3 hash. */
  md5: string;
  lastModified: Date;
  contentType?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  expires?: string;
  /** `x-amz-meta-*` without the prefix, names lowercased. */
  userMetadata: Record<string, string>;
  /** Verified full-object checksums sent by the client, e.g. `{ crc32: 'base64' }`, returned on GET with checksum mode. */
  checksums: Record<string, string>;
  /**
   * Objects made by CompleteMultipartUpload: the S3 ETag (`<md5 of the parts' md5s>-<n>`, unquoted), which is not
   * the md5 of the bytes (`md5` stays that: DVC needs it), and the size of each part, in order, for
   * `GET ?partNumber=N`. Absent for objects written in one piece.
   */
  multipart?: { etag: string; partSizes: number[] };
}

export type ObjectHeaders = Pick<
  ObjectMeta,
  | 'contentType'
  | 'contentEncoding'
  | 'contentDisposition'
  | 'contentLanguage'
  | 'cacheControl'
  | 'expires'
  | 'userMetadata'
>;

export interface PutObjectInput extends ObjectHeaders {
  key: string;
  /**
   * The decoded object bytes: a stream, or a small body already read whole. Verification (Content-MD5,
   * x-amz-checksum-*, chunk signatures) happens in the stream itself: when it errors, nothing becomes visible and
   * the error is rethrown unchanged. A Buffer has passed it already.
   */
  body: Readable | Buffer;
  /**
   * Verified checksums (e.g. `{ crc32: 'base64' }`) to keep with the object; called once the body has ended
   * without error (trailing checksums are only known then).
   */
  checksums?: () => Record<string, string>;
  /** Refuse (EntityTooLarge) once more bytes than this arrive. */
  maxSize: number;
}

export interface ListQuery {
  prefix: string;
  /** Only keys strictly greater (in UTF-8 byte order) than this. */
  after?: string;
  /** Skip every key that starts with this (a CommonPrefix already returned). */
  skipPrefix?: string;
  limit: number;
}

export interface ByteRange {
  start: number;
  /** inclusive */
  end: number;
}

/** One acknowledged change, in the durable journal the sync engine reads. */
export interface ObjectChange {
  seq: number;
  key: string;
  op: 'put' | 'delete';
}

/** CreateMultipartUpload: what the completed object will carry, decided when the upload starts (as S3 does). */
export interface CreateUploadInput extends ObjectHeaders {
  key: string;
  /** The checksum algorithm of the upload (lowercase, e.g. 'crc32'), when the client chose one. */
  checksumAlgorithm?: string;
  /** How the completed object's checksum is computed from the parts: over the parts' checksums, or the bytes. */
  checksumType?: 'COMPOSITE' | 'FULL_OBJECT';
}

export interface MultipartUpload extends CreateUploadInput {
  uploadId: string;
  initiated: Date;
}

export interface PartMeta {
  partNumber: number;
  size: number;
  /** md5 hex of the part: its ETag. */
  md5: string;
  lastModified: Date;
  /** Verified checksums the part was sent with, e.g. `{ crc32: 'base64' }`. */
  checksums: Record<string, string>;
}

export interface UploadPartInput {
  uploadId: string;
  /** The key of the request: an upload id of another key is NoSuchUpload, as in S3. */
  key: string;
  partNumber: number;
  /** The decoded part bytes; an error of the stream makes nothing visible and is rethrown unchanged. */
  body: Readable;
  /** Verified checksums, asked once the body has ended without error. */
  checksums?: () => Record<string, string>;
  maxSize: number;
}

/** One `<Part>` of a CompleteMultipartUpload request. */
export interface RequestedPart {
  partNumber: number;
  /** The part's ETag as the client sent it (quotes optional). */
  etag: string;
  /** `<ChecksumCRC32>` and friends, lowercase algorithm → base64. */
  checksums: Record<string, string>;
}

export interface CompleteUploadInput {
  uploadId: string;
  key: string;
  parts: RequestedPart[];
  /** The largest object that may result (S3_MAX_OBJECT_SIZE). */
  maxSize: number;
  /** `If-None-Match: *`: complete only if no object has the key (PreconditionFailed otherwise). */
  ifNoneMatch?: boolean;
  /** Sees every byte of the object in order while it is assembled (a full-object checksum). */
  onBytes?: (chunk: Buffer) => void;
  /**
   * The checksums the completed object keeps, asked once its bytes are assembled and fsynced, before anything is
   * visible: throwing (a full-object checksum that does not match) leaves the upload as it was.
   */
  checksums?: (parts: PartMeta[]) => Promise<Record<string, string>>;
}

export interface ListUploadsQuery {
  prefix: string;
  /** Uploads of keys after this one, or of this key with an upload id after `uploadIdMarker`. */
  keyMarker?: string;
  uploadIdMarker?: string;
  limit: number;
}

/**
 * The storage seam (DI token). The real one keeps bytes under DATA_DIR and is crash-safe:
 * a put/delete resolves only once it is durable and journaled.
 */
export abstract class StorageBackend {
  abstract putObject(input: PutObjectInput): Promise<ObjectMeta>;
  abstract headObject(key: string): Promise<ObjectMeta>;
  /** Range is already validated against the size by the caller (see `resolveRange`). */
  abstract getObject(key: string, range?: ByteRange): Promise<{ meta: ObjectMeta; body: Readable }>;
  /**
   * Gives the object's file one more name, `target` (a hard link, link(2)), if the object still has `expected`'s md5
   * and size: PreconditionFailed when it changed, NoSuchKey when it is gone. The file is durable (the object was
   * acknowledged) and never written again: a PUT replaces it by a rename, a DELETE unlinks it, so the new name keeps
   * these bytes whatever happens to the key later. Rejects with link(2)'s own error where no link can be made
   * (EXDEV: `target` is on another file system; EEXIST: `target` exists) and then changes nothing.
   */
  abstract linkObject(key: string, target: string, expected: { md5: string; size: number }): Promise<void>;
  /** Resolves true when something was deleted; a missing key is not an error. */
  abstract deleteObject(key: string): Promise<boolean>;
  abstract copyObject(sourceKey: string, targetKey: string, replaceHeaders?: ObjectHeaders): Promise<ObjectMeta>;
  /** Objects in UTF-8 byte order of their keys. */
  abstract listObjects(query: ListQuery): Promise<ObjectMeta[]>;
  abstract countObjects(): Promise<number>;
  /** Changes with seq > afterSeq, oldest first. */
  abstract changesSince(afterSeq: number, limit?: number): Promise<ObjectChange[]>;
  abstract lastSeq(): Promise<number>;
  /**
   * Forgets journal entries the sync engine has pushed (seq < beforeSeq), so the journal stays as small as
   * what is pending. The newest entry is always kept, so `lastSeq` never goes back.
   */
  abstract pruneChanges(beforeSeq: number): Promise<void>;
  /** Starts a multipart upload; nothing is visible until it completes. */
  abstract createUpload(input: CreateUploadInput): Promise<MultipartUpload>;
  /** Stores (or replaces) one part durably. NoSuchUpload when the upload is not one of this key. */
  abstract uploadPart(input: UploadPartInput): Promise<PartMeta>;
  /** The upload and its parts in part-number order (parts numbered after `afterPart`, at most `limit`). */
  abstract listParts(
    uploadId: string,
    key: string,
    page?: { afterPart?: number; limit?: number },
  ): Promise<{ upload: MultipartUpload; parts: PartMeta[] }>;
  /** Uploads in progress, by key (UTF-8 byte order), then by initiation time. */
  abstract listUploads(query: ListUploadsQuery): Promise<MultipartUpload[]>;
  /**
   * Makes the listed parts one object, atomically: journaled and visible like a put, whole or not at all. The
   * upload is gone afterwards. Parts are checked as S3 does (InvalidPartOrder, InvalidPart, EntityTooSmall).
   */
  abstract completeUpload(input: CompleteUploadInput): Promise<ObjectMeta>;
  /** Forgets the upload and its parts. */
  abstract abortUpload(uploadId: string, key: string): Promise<void>;
  /** Aborts every upload with no activity (creation or part) since `before`; resolves how many. */
  abstract abortUploadsIdleSince(before: Date): Promise<number>;
  /** Writes and removes a probe file: is the folder usable right now? */
  abstract checkWritable(): Promise<{ ok: boolean; error?: string }>;
}
