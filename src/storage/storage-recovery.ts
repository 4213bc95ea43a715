import { randomUUID } from 'node:crypto';
import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { DurableDirs } from './durable-dirs.js';
import { fileDigest, placeFile, pruneEmptyDirs, removeFile, writeBodyToFile } from './durable-fs.js';
import type { ObjectIndex } from './object-index.repository.js';
import { legacyKeyToRelativePath, keyToRelativePath } from './key-path.js';
import { objectFile, type StorageLayout } from './storage-layout.js';
import type { UploadIndex } from './upload-index.repository.js';
import { pathExists } from '../common/path-exists.js';
import { putRecovery } from './storage-recovery.rules.js';

export interface RecoveryReport {
  rolledForward: number;
  /** Small bodies written anew from their intents (acknowledged before their files were). */
  rewritten: number;
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
 * Finishes what a crash interrupted (invariant 1: acknowledged = durable, and journaled = happens), oldest intent
 * first.
 * - put intent: what to do follows from which of its temp file and the key's path holds the journaled bytes
 *   (md5 and size), and whether the intent carries them, by the rules of storage-recovery.rules.ts: roll forward,
 *   keep, write them anew, undo, or leave it to a later change of the key. Only the intents of the last moments
 *   before the crash, and those whose fsyncs had not ended, are pending, so hashing their files costs little.
 * - delete intent: unlink again unless a later put brought the key back (its row exists).
 * Then, and only then, every temp file is stray (an unfinished upload, or a file created ahead) and is removed:
 * before it, a temp file may be the only durable copy of an acknowledged put.
 */
export async function recoverStorage(
  index: ObjectIndex,
  layout: StorageLayout,
  dirs: DurableDirs,
): Promise<RecoveryReport> {
  const report: RecoveryReport = { rolledForward: 0, rewritten: 0, undone: 0, deletesReplayed: 0, tempFilesRemoved: 0 };
  for (const intent of index.pendingIntents()) {
    const dest = objectFile(layout, intent.key);
    if (intent.op === 'put') {
      const journaled = index.writtenBy(intent);
      const holds = async (path: string | null) => {
        const found = journaled && path !== null ? await fileDigest(path) : undefined;
        return found !== undefined && found.md5 === journaled!.md5 && found.size === journaled!.size;
      };
      const tempHoldsBytes = await holds(intent.tmpPath);
      const action = putRecovery({
        ownsRow: journaled !== undefined,
        tempHoldsBytes,
        destHoldsBytes: !tempHoldsBytes && (await holds(dest)),
        bodyJournaled: intent.body !== undefined,
      });
      if (action === 'rewrite') {
        await writeJournaledBody(intent.key, intent.body!, dest, layout, dirs);
        report.rewritten++;
        continue;
      }
      if (action === 'roll-forward') {
        try {
          await placeFile(intent.tmpPath!, dest, dirs);
          report.rolledForward++;
          continue;
        } catch {
          // Cannot be placed (e.g. a foreign file where a folder must go): the object keeps its previous bytes and
          // row. A put that was acknowledged found the way clear, so only a change made outside the service ends
          // here.
        }
      }
      if (action === 'roll-forward' || action === 'undo') {
        index.undo(intent);
        report.undone++;
      }
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

/**
 * A small body journaled in its intent, made the key's file: a new file in tmp/, fsynced, renamed onto the key's
 * path, that folder fsynced. Fails (and the service does not start) if it cannot be written: the intent stays, so
 * the next start tries again, and the acknowledged bytes are never given up.
 */
async function writeJournaledBody(
  key: string,
  body: Buffer,
  dest: string,
  layout: StorageLayout,
  dirs: DurableDirs,
): Promise<void> {
  const tmp = join(layout.tmpDir, `journaled-${randomUUID()}`);
  try {
    await writeBodyToFile(Readable.from([body]), tmp, body.length);
    await placeFile(tmp, dest, dirs);
  } catch (error) {
    await rm(tmp, { force: true });
    throw new Error(
      `cannot write the acknowledged object "${key}" from the journal (${(error as Error).message}); it stays journaled until it can be`,
      { cause: error },
    );
  }
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
