import { join } from 'node:path';
import { keyToRelativePath } from './key-path.js';

/**
 * Object files and the storage folders (objects/, state/, tmp/ and every folder below objects/) are readable by
 * the service's user and group only: annotations are the team's data, and the journal names every key. Group
 * read lets an operator grant a backup job or a sidecar access without opening the data to every local user.
 */
export const OBJECT_FILE_MODE = 0o640;
export const STORAGE_DIR_MODE = 0o750;

/**
 * Where the storage keeps things under DATA_DIR. Only `objects/` mirrors the bucket (it is what gets versioned);
 * metadata and temp files live beside it, on the same filesystem so that a rename is atomic.
 */
export interface StorageLayout {
  objectsDir: string;
  stateDir: string;
  dbPath: string;
  tmpDir: string;
}

export function storageLayout(dataDir: string): StorageLayout {
  return {
    objectsDir: join(dataDir, 'objects'),
    stateDir: join(dataDir, 'state'),
    dbPath: join(dataDir, 'state', 'storage.db'),
    tmpDir: join(dataDir, 'tmp'),
  };
}

/** The absolute file of a key (validates the key). */
export function objectFile(layout: StorageLayout, key: string): string {
  return join(layout.objectsDir, keyToRelativePath(key));
}
