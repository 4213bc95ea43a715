import { lstat, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { placeFile, pruneEmptyDirs, removeFile } from './durable-fs.js';
import type { ObjectIndex } from './object-index.repository.js';
import { objectFile, type StorageLayout } from './storage-layout.js';

export interface RecoveryReport {
  rolledForward: number;
  undone: number;
  deletesReplayed: number;
  tempFilesRemoved: number;
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Finishes what a crash interrupted (invariant 1: acknowledged = durable, and journaled = happens).
 * - put intent whose temp file is still there: the rename had not happened; the file was fsynced before the
 *   intent was written, so roll forward. Temp file gone: the rename happened.
 * - delete intent: unlink again unless a later put brought the key back (its row exists).
 * Then every temp file is stray (an unfinished upload) and is removed.
 */
export async function recoverStorage(index: ObjectIndex, layout: StorageLayout): Promise<RecoveryReport> {
  const report: RecoveryReport = { rolledForward: 0, undone: 0, deletesReplayed: 0, tempFilesRemoved: 0 };
  for (const intent of index.pendingIntents()) {
    const dest = objectFile(layout, intent.key);
    if (intent.op === 'put' && intent.tmpPath && (await exists(intent.tmpPath))) {
      try {
        await placeFile(intent.tmpPath, dest, layout.objectsDir);
        report.rolledForward++;
      } catch {
        // Cannot be placed (e.g. a foreign file in the way): the object keeps its previous bytes and row.
        index.undo(intent);
        report.undone++;
      }
    } else if (intent.op === 'delete' && !index.get(intent.key)) {
      const stat = await lstat(dest).catch(() => undefined);
      if (stat?.isFile()) await removeFile(dest, layout.objectsDir);
      else await pruneEmptyDirs(dirname(dest), layout.objectsDir);
      report.deletesReplayed++;
    }
  }
  index.clearIntents();
  for (const name of await readdir(layout.tmpDir)) {
    await rm(join(layout.tmpDir, name), { recursive: true, force: true });
    report.tempFilesRemoved++;
  }
  return report;
}
