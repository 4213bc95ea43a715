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
 * The one translation of anything thrown while serving a request into the S3 error to answer.
 * S3Error passes through; StorageError maps by code (its message is written for users: which key, which rule);
 * anything else is InternalError with the table's generic message, so nothing internal leaks.
 */
export function toS3Error(thrown: unknown): Translated {
  if (thrown instanceof S3Error) return { error: thrown, unexpected: false };
  if (thrown instanceof StorageError) {
    return { error: new S3Error(FROM_STORAGE[thrown.code], thrown.message), unexpected: false };
  }
  return { error: new S3Error('InternalError'), unexpected: true };
}
