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
   * The decoded object bytes. Verification (Content-MD5, x-amz-checksum-*, chunk signatures) happens in the
   * stream itself: when it errors, nothing becomes visible and the error is rethrown unchanged.
   */
  body: Readable;
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

/**
 * The storage seam (DI token). The real one keeps bytes under DATA_DIR and is crash-safe:
 * a put/delete resolves only once it is durable and journaled.
 */
export abstract class StorageBackend {
  abstract putObject(input: PutObjectInput): Promise<ObjectMeta>;
  abstract headObject(key: string): Promise<ObjectMeta>;
  /** Range is already validated against the size by the caller (see `resolveRange`). */
  abstract getObject(key: string, range?: ByteRange): Promise<{ meta: ObjectMeta; body: Readable }>;
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
  /** Writes and removes a probe file: is the folder usable right now? */
  abstract checkWritable(): Promise<{ ok: boolean; error?: string }>;
}
