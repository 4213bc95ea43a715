import { createHash } from 'node:crypto';
import { mkdir, open, readdir, rename, rmdir, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { StorageError } from './storage.errors.js';

/**
 * File-system steps of a crash-safe write, after "Ensuring data reaches disk" (LWN) and SQLite's atomic commit:
 * data fsynced before the rename, the rename made durable by fsyncing the directories that changed.
 */

/**
 * Streams a body into a new file, hashing it. Resolves once the bytes and the file's directory entry are fsynced:
 * recovery reads "temp file gone" as "renamed into place", so the temp file must not vanish in a crash.
 * Errors of the body come out unchanged.
 */
export async function writeBodyToFile(body: Readable, path: string, maxSize: number): Promise<{ size: number; md5: string }> {
  const file = await open(path, 'wx', 0o644);
  const hash = createHash('md5');
  let size = 0;
  try {
    for await (const data of body) {
      const chunk = typeof data === 'string' ? Buffer.from(data) : (data as Buffer);
      size += chunk.length;
      // Refuse as soon as the limit is crossed: never buffer or store more than maxSize bytes.
      if (size > maxSize) throw new StorageError('EntityTooLarge', `The object is larger than ${maxSize} bytes.`);
      hash.update(chunk);
      // write(2) may write less than asked (a full disk): loop, so the md5 always describes the file.
      for (let offset = 0; offset < chunk.length; ) offset += (await file.write(chunk, offset)).bytesWritten;
    }
    await file.sync();
  } finally {
    await file.close();
  }
  await fsyncDir(dirname(path));
  return { size, md5: hash.digest('hex') };
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * fsync every directory from `dir` up to `root` included: any of them may have been created just now, by this
 * put or by a concurrent one that has not fsynced it yet. A directory without changes costs little to fsync.
 */
async function fsyncUpTo(dir: string, root: string): Promise<void> {
  for (let d = dir; isInside(d, root); d = dirname(d)) await fsyncDir(d);
}

/** `dir` is `root` or below it (a directory named `..x` is below it). */
function isInside(dir: string, root: string): boolean {
  const rel = relative(root, dir);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Renames an fsynced file into place under `root`, creating its directories, and makes that durable.
 * Retries when a concurrent delete pruned a directory just created (ENOENT), and removes an empty
 * directory tree left where the file goes (EISDIR; the caller checked that no object lives below it).
 */
export async function placeFile(tmpPath: string, dest: string, root: string): Promise<void> {
  const parent = dirname(dest);
  for (let attempt = 1; ; attempt++) {
    try {
      await mkdir(parent, { recursive: true });
      await rename(tmpPath, dest);
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (attempt >= 8) throw error;
      if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST') await removeEmptyTree(dest);
      else if (code !== 'ENOENT') throw error;
    }
  }
  await fsyncUpTo(parent, root);
}

/** Unlinks an object file (a missing one is fine), makes that durable, then prunes directories left empty. */
export async function removeFile(dest: string, root: string): Promise<void> {
  try {
    await unlink(dest);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return;
  }
  await fsyncDir(dirname(dest));
  await pruneEmptyDirs(dirname(dest), root);
}

/** Removes `dir` and its parents while they are empty, never `root` itself. */
export async function pruneEmptyDirs(dir: string, root: string): Promise<void> {
  for (let d = dir; d !== root && isInside(d, root); d = dirname(d)) {
    try {
      await rmdir(d);
    } catch {
      return; // not empty (a sibling, or a put that just created it), or already gone
    }
  }
}

/** Removes a tree made only of directories; fails (ENOTEMPTY) if it holds any file, which is never deleted. */
export async function removeEmptyTree(dir: string): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries) {
    if (entry.isDirectory()) await removeEmptyTree(join(dir, entry.name));
  }
  await rmdir(dir);
}
