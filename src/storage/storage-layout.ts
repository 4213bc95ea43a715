import { join } from 'node:path';
import { dataDirLayout } from '../config/data-dir.layout.js';
import { keyToRelativePath } from './key-path.js';

/**
 * The storage's part of DATA_DIR (config/data-dir.layout.ts). Only `objects/` mirrors the bucket (it is what gets
 * versioned); metadata and temp files live beside it, on the same filesystem so that a rename is atomic.
 */
export interface StorageLayout {
  objectsDir: string;
  stateDir: string;
  dbPath: string;
  tmpDir: string;
}

export function storageLayout(dataDir: string): StorageLayout {
  const paths = dataDirLayout(dataDir);
  return { objectsDir: paths.objects, stateDir: paths.state, dbPath: paths.storageDb, tmpDir: paths.tmp };
}

/** The absolute file of a key (validates the key). */
export function objectFile(layout: StorageLayout, key: string): string {
  return join(layout.objectsDir, keyToRelativePath(key));
}
