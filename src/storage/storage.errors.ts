/** Domain errors of the storage layer; s3/ translates them to S3 errors in one function. */
export type StorageErrorCode =
  | 'NoSuchKey'
  | 'InvalidKey' // escapes the root, NUL, reserved place, invalid UTF-8
  | 'KeyTooLong' // > 1024 UTF-8 bytes
  | 'ObjectParentIsFile' // "a" exists, "a/b" requested
  | 'ObjectIsParent' // "a/b" exists, "a" requested
  | 'KeyCaseConflict' // "A" exists, "a" requested, on a file system that does not tell them apart
  | 'EntityTooLarge'
  | 'InvalidRange'
  | 'NoSuchUpload'
  | 'InvalidPart' // a listed part was not uploaded, or its ETag/checksum differs
  | 'InvalidPartOrder'
  | 'EntityTooSmall' // a part other than the last is below 5 MiB
  | 'PreconditionFailed';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}
