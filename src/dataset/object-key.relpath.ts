/**
 * The directory layout uses the storage folder's own mapping (storage/key-path.ts), so that `dvc pull`
 * recreates the storage folder file for file: `exports//17` → `exports/%/17`, `100%.json` → `100%25.json`,
 * `.git` → `%2Egit`, a segment too long for one file name → `%L…/%-…`. Always a valid DVC relpath.
 */
export { keyToRelativePath } from '../storage/key-path.js';
