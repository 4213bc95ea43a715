/** Domain errors of the storage layer; s3/ translates them to S3 errors in one function. */
export type StorageErrorCode =
  | 'NoSuchKey'
  | 'InvalidKey' // escapes the root, NUL, reserved place, invalid UTF-8
  | 'KeyTooLong' // > 1024 UTF-8 bytes
  | 'ObjectParentIsFile' // "a" exists, "a/b" requested
  | 'ObjectIsParent' // "a/b" exists, "a" requested
  | 'EntityTooLarge'
  | 'InvalidRange';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}
