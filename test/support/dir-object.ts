import { DirListing, type DirFile, type DirObject } from '../../src/dvc/dir-object.codec.js';

/** The `.dir` object DVC 3 would write for these files, as the service builds it (`DirListing.of`). */
export function buildDirObject(files: readonly DirFile[]): DirObject {
  return DirListing.of(files).toDirObject();
}
