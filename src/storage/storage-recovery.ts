import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DurableDirs } from './durable-dirs.js';
import { fileDigest, placeFile, pruneEmptyDirs, removeFile } from './durable-fs.js';
import type { ObjectIndex } from './object-index.repository.js';
import { legacyKeyToRelativePath, keyToRelativePath } from './key-path.js';
import { objectFile, type StorageLayout } from './storage-layout.js';
import type { UploadIndex } from './upload-index.repository.js';
import { pathExists } from '../common/path-exists.js';

export interface RecoveryReport {
  rolledForward: number;
  undone: number;
  deletesReplayed: number;
  tempFilesRemoved: number;
}

/** Version 2: reserved names escaped in every letter case, `\` escaped (key-path.ts). */
const KEY_PATHS_VERSION = 2;
const PAGE = 1000;

/**
 * Moves the files an earlier release stored under a path the current mapping no longer gives (a key with a `\`, or
 * a segment such as `.GIT`), so that every acknowledged object stays readable after an upgrade. Runs once: the
 * index records the mapping version its files follow. Returns how many files moved.
 */
export async function moveLegacyKeyPaths(
  index: ObjectIndex,
  layout: StorageLayout,
  dirs: DurableDirs,
): Promise<number> {
  if (index.keyPathVersion() >= KEY_PATHS_VERSION) return 0;
  let moved = 0;
  for (let after: string | undefined; ;) {
    const page = index.list({ prefix: '', after, limit: PAGE });
    for (const { key } of page) {
      const legacy = legacyKeyToRelativePath(key);
      if (legacy === keyToRelativePath(key)) continue;
      const from = join(layout.objectsDir, legacy);
      const to = objectFile(layout, key);
      if (!(await pathExists(from)) || (await pathExists(to))) continue;
      await placeFile(from, to, dirs);
      await pruneEmptyDirs(dirname(from), dirs);
      moved++;
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1].key;
  }
  index.setKeyPathVersion(KEY_PATHS_VERSION);
  return moved;
}

/**
 * Finishes what a crash interrupted (invariant 1: acknowledged = durable, and journaled = happens).
 * - put intent whose temp file is still there: the rename had not happened; roll forward if the file holds the
 *   journaled bytes (md5 and size: it is fsynced while the intent is written, so a crash may have lost them),
 *   undo otherwise.
 * - put intent whose temp file is gone: either the rename happened, or the temp file's name never reached the
 *   disk (the temp folder is not fsynced, see writeBodyToFile) and neither did the rename. The destination tells
 *   which: if it holds the journaled bytes (md5 and size), keep them; if not, the put was never acknowledged
 *   (an acknowledged rename is durable), so undo it — the key keeps its previous row, which is what the folder holds.
 *   Only the intents of the last moments before the crash are checked, so hashing them costs little.
 * - delete intent: unlink again unless a later put brought the key back (its row exists).
 * Then every temp file is stray (an unfinished upload) and is removed.
 */
export async function recoverStorage(
  index: ObjectIndex,
  layout: StorageLayout,
  dirs: DurableDirs,
): Promise<RecoveryReport> {
  const report: RecoveryReport = { rolledForward: 0, undone: 0, deletesReplayed: 0, tempFilesRemoved: 0 };
  for (const intent of index.pendingIntents()) {
    const dest = objectFile(layout, intent.key);
    if (intent.op === 'put' && intent.tmpPath && (await pathExists(intent.tmpPath))) {
      const journaled = index.writtenBy(intent);
      const found = journaled && (await fileDigest(intent.tmpPath));
      try {
        // Only the journaled bytes: the temp file is fsynced while its row is journaled, so a crash can leave a
        // durable row next to a temp file whose bytes never reached the disk (durable-fs.ts writeBody).
        if (!journaled || found?.md5 !== journaled.md5 || found.size !== journaled.size) throw new Error('not whole');
        await placeFile(intent.tmpPath, dest, dirs);
        report.rolledForward++;
      } catch {
        // Not whole, or cannot be placed (e.g. a foreign file in the way): the object keeps its previous bytes and
        // row (unless a later change owns the row: then that one is what the key holds).
        if (journaled) index.undo(intent);
        report.undone++;
      }
    } else if (intent.op === 'put') {
      const journaled = index.writtenBy(intent);
      if (!journaled) continue; // a later change of the key owns the row
      const found = await fileDigest(dest);
      if (found?.md5 === journaled.md5 && found.size === journaled.size) continue;
      index.undo(intent);
      report.undone++;
    } else if (intent.op === 'delete' && !index.get(intent.key)) {
      const stat = await lstat(dest).catch(() => undefined);
      if (stat?.isFile()) await removeFile(dest, dirs);
      else await pruneEmptyDirs(dirname(dest), dirs);
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

export interface UploadsRecoveryReport {
  filesRemoved: number;
  partsDropped: number;
}

/**
 * Multipart uploads after a crash: a part is recorded only once its file is fsynced (upload-index.repository.ts),
 * so a file no row names is an unfinished part, or belongs to an upload completed or aborted just before the crash:
 * removed. A row whose file is missing cannot come from this order of writes, but the part would be unreadable:
 * dropped, so that completing without it fails as InvalidPart instead of reading a hole.
 */
export async function recoverUploads(uploads: UploadIndex, layout: StorageLayout): Promise<UploadsRecoveryReport> {
  const report: UploadsRecoveryReport = { filesRemoved: 0, partsDropped: 0 };
  const ids = uploads.ids();
  for (const name of await readdir(layout.uploadsDir)) {
    if (!ids.has(name)) {
      await rm(join(layout.uploadsDir, name), { recursive: true, force: true });
      report.filesRemoved++;
    }
  }
  for (const id of ids) {
    const dir = join(layout.uploadsDir, id);
    await mkdir(dir, { recursive: true });
    const files = new Set(await readdir(dir));
    const named = new Set<string>();
    for (const part of uploads.parts(id)) {
      if (files.has(part.file)) named.add(part.file);
      else {
        uploads.dropPart(id, part.partNumber);
        report.partsDropped++;
      }
    }
    for (const file of files) {
      if (named.has(file)) continue;
      await rm(join(dir, file), { force: true });
      report.filesRemoved++;
    }
  }
  return report;
}
