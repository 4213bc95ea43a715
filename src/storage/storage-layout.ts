import { join } from 'node:path';
import { dataDirLayout } from '../config/data-dir.layout.js';
import { keyToRelativePath } from './key-path.js';

/**
 * Object files and the storage folders (objects/, state/, tmp/ and every folder below objects/) are readable by
 * the service's user and group only: annotations are the team's data, and the journal names every key. Group
 * read lets an operator grant a backup job or a sidecar access without opening the data to every local user.
 */
export const OBJECT_FILE_MODE = 0o640;
export const STORAGE_DIR_MODE = 0o750;

/**
 * The storage's part of DATA_DIR (config/data-dir.layout.ts). Only `objects/` mirrors the bucket (it is what gets
 * versioned); metadata and temp files live beside it, on the same filesystem so that a rename is atomic.
 */
export interface StorageLayout {
  objectsDir: string;
  stateDir: string;
  dbPath: string;
  tmpDir: string;
  /** Multipart uploads in progress: one folder per upload id, one file per part. */
  uploadsDir: string;
}

export function storageLayout(dataDir: string): StorageLayout {
  const paths = dataDirLayout(dataDir);
  return {
    objectsDir: paths.objects,
    stateDir: paths.state,
    dbPath: paths.storageDb,
    tmpDir: paths.tmp,
    uploadsDir: paths.uploads,
  };
}

/** The absolute file of a key (validates the key). */
export function objectFile(layout: StorageLayout, key: string): string {
  return join(layout.objectsDir, keyToRelativePath(key));
}
