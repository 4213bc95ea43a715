import { join } from 'node:path';
import { keyToRelativePath } from './key-path.js';

/**
 * Where the storage keeps things under DATA_DIR. Only `objects/` mirrors the bucket (it is what gets versioned);
 * metadata and temp files live beside it, on the same filesystem so that a rename is atomic.
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
  return {
    objectsDir: join(dataDir, 'objects'),
    stateDir: join(dataDir, 'state'),
    dbPath: join(dataDir, 'state', 'storage.db'),
    tmpDir: join(dataDir, 'tmp'),
    uploadsDir: join(dataDir, 'uploads'),
  };
}

/** The absolute file of a key (validates the key). */
export function objectFile(layout: StorageLayout, key: string): string {
  return join(layout.objectsDir, keyToRelativePath(key));
}
