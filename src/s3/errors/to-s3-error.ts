import { isDiskFull } from '../../common/disk-full.js';
import { StorageError, StorageErrorCode } from '../../storage/storage.errors.js';
import type { S3ErrorCode } from './s3-error-codes.js';
import { S3Error } from './s3-error.js';

/** Storage domain codes → S3 codes. A `Record` over the union, so a new storage code does not compile until mapped here. */
const FROM_STORAGE: Record<StorageErrorCode, S3ErrorCode> = {
  NoSuchKey: 'NoSuchKey',
  InvalidKey: 'InvalidObjectName',
  KeyTooLong: 'KeyTooLongError',
  ObjectParentIsFile: 'ObjectParentIsFile',
  ObjectIsParent: 'ObjectIsParent',
  KeyCaseConflict: 'KeyCaseConflict',
  EntityTooLarge: 'EntityTooLarge',
  InvalidRange: 'InvalidRange',
  NoSuchUpload: 'NoSuchUpload',
  InvalidPart: 'InvalidPart',
  InvalidPartOrder: 'InvalidPartOrder',
  EntityTooSmall: 'EntityTooSmall',
  PreconditionFailed: 'PreconditionFailed',
};

export interface Translated {
  error: S3Error;
  /** True when the cause was not a domain error: log it (with the request id), never show it. */
  unexpected: boolean;
}

/**
 * A write that cannot be stored durably because DATA_DIR's disk is full (or over quota). 503 SlowDown, not a
 * 507-style "insufficient storage": S3 clients (botocore's legacy and standard retry modes, the AWS SDK for
 * JavaScript v3, the aws CLI) retry a 503 with backoff and take SlowDown as "send less", while no client
 * retries a 507 — so a disk that is freed within a client's retries costs the writer nothing, and one that
 * stays full fails each write after the client's attempts with a message that says why. Nothing of the
 * refused write is kept (storage removes its temp file and rolls back its journal row).
 */
export const DISK_FULL_MESSAGE =
  "The server's disk is full: this write was not stored. Retry later; writes acknowledged before are safe.";

/**
 * The one translation of anything thrown while serving a request into the S3 error to answer.
 * S3Error passes through; StorageError maps by code (its message is written for users: which key, which rule);
 * a full disk (ENOSPC, EDQUOT, SQLITE_FULL) is SlowDown; anything else is InternalError with the table's
 * generic message, so nothing internal leaks.
 */
export function toS3Error(thrown: unknown): Translated {
  if (thrown instanceof S3Error) return { error: thrown, unexpected: false };
  if (thrown instanceof StorageError) {
    return { error: new S3Error(FROM_STORAGE[thrown.code], thrown.message), unexpected: false };
  }
  if (isDiskFull(thrown)) return { error: new S3Error('SlowDown', DISK_FULL_MESSAGE), unexpected: false };
  return { error: new S3Error('InternalError'), unexpected: true };
}
