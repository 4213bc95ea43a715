import type { DvcOutputPaths } from './dataset-paths.util.js';
import type { DvcOut } from './dvc-file.reader.js';
import { findOut, readDvcFile } from './dvc-file.reader.js';
import { writeDvcFile } from './dvc-file.writer.js';
import { addGitignoreEntry } from './gitignore.updater.js';

/** A file of the repository to write, relative to its root. */
export interface TrackingFile {
  path: string;
  content: Buffer;
}

/** What the branch tip says about the dataset. */
export interface TipDataset {
  dvcFile?: string;
  gitignore?: string;
  dvcConfig?: string;
  out?: DvcOut;
}

export function readTipDataset(
  paths: DvcOutputPaths,
  files: { dvcFile?: Buffer; gitignore?: Buffer; dvcConfig?: Buffer },
): TipDataset {
  const dvcFile = files.dvcFile?.toString('utf8');
  return {
    dvcFile,
    gitignore: files.gitignore?.toString('utf8'),
    dvcConfig: files.dvcConfig?.toString('utf8'),
    out: dvcFile === undefined ? undefined : findOut(readDvcFile(dvcFile), paths.outPath),
  };
}

/**
 * What `dvc add` would change in the repository for this version of the dataset, and the only files a commit
 * touches (docs/architecture.md, invariant 3): the dataset's `.dvc` and its `.gitignore` line. Unchanged files are
 * left out, so an identical dataset gives no change at all (and no commit).
 */
export function datasetFileChanges(
  paths: DvcOutputPaths,
  tip: TipDataset,
  hash: { md5: string; size: number; nfiles?: number },
  isDirectory: boolean,
): TrackingFile[] {
  const changes: TrackingFile[] = [];
  const dvcFile = writeDvcFile(tip.dvcFile, paths.outPath, hash);
  if (dvcFile !== tip.dvcFile) changes.push({ path: paths.dvcFile, content: Buffer.from(dvcFile, 'utf8') });
  const gitignore = addGitignoreEntry(tip.gitignore, paths.outPath, isDirectory);
  if (gitignore !== tip.gitignore) changes.push({ path: paths.gitignoreFile, content: Buffer.from(gitignore, 'utf8') });
  return changes;
}
