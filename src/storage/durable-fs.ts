import { createHash } from 'node:crypto';
import { closeSync, open as openCallback, openSync, renameSync, writeSync } from 'node:fs';
import { mkdir, open, readdir, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fsyncFd } from '../common/fsync-dir.js';
import { writeAll } from '../common/write-all.js';
import { isInside, type DurableDirs } from './durable-dirs.js';
import { OBJECT_FILE_MODE, STORAGE_DIR_MODE } from './storage-layout.js';
import { StorageError } from './storage.errors.js';
import type { TempFile } from './temp-files.js';

/**
 * File-system steps of a crash-safe write, after "Ensuring data reaches disk" (LWN) and SQLite's atomic commit:
 * data fsynced before the rename, the rename made durable by fsyncing the directories that changed
 * (which ones: durable-dirs.ts).
 */

/** A body written to a new file, not yet durable: `sync` fsyncs and closes it, `close` only closes it. */
export interface WrittenFile {
  size: number;
  md5: string;
  /** The bytes of a body gathered in memory (up to SMALL_BODY); absent for one written in many steps. */
  bytes?: Buffer;
  sync(): Promise<void>;
  /** Closes the file if `sync` did not (idempotent): for paths that give the file up. */
  close(): Promise<void>;
}

/**
 * Bodies up to this size are gathered in memory, then written with one write(2) on the event loop, and the file
 * later closed there too (as the rename, placeFile). Handing each of those to libuv's thread pool costs more than
 * the syscall itself: a pool thread woken, a completion callback, a promise — their dispatch was a sixth of the event
 * loop's busy time in a CPU profile of 2 KiB PUTs (bench/results/put-path-2.md). None of them waits for the disk
 * (the bytes go to the page cache). A file not made ahead (temp-files.ts: a body gathered whole never takes one) is
 * created there too while creating files there has lately been quick, on the pool otherwise (file-creation.gate.ts
 * says why). The fsync stays on the pool. Larger bodies are streamed to the file as they arrive, so memory stays
 * bounded.
 */
export const SMALL_BODY = 64 * 1024;

/**
 * Streams a body into a new file, hashing it, and leaves the file open for the caller to fsync (`sync`), so that the
 * fsync can run while the caller does something else that must also be done before the rename (the put journals its
 * row meanwhile). The bytes must be fsynced before a rename makes them the object: with delayed allocation, ext4 can
 * otherwise keep the new name and lose the bytes. The temp file's NAME is durable only when `temp` was created ahead
 * (`named`, temp-files.ts); otherwise the put waits for the fsync of the folder its file is renamed into before it
 * answers (local-storage.backend.ts `commit`), so that it never relies on that name. Recovery never reads "temp file
 * gone" as "renamed" blindly: it checks that the destination holds the journaled bytes, and rolls a temp file
 * forward only if it holds them (storage-recovery.rules.ts). Errors of the body come out unchanged (the file closed,
 * or never created when the body failed while it was still gathered in memory). `temp` is a new path, or a file
 * created ahead of need (temp-files.ts), whose descriptor is used or closed here, never left open by a failure. A
 * small body's new file is created by `create` (on the pool unless told otherwise: SMALL_BODY).
 */
export async function writeBody(
  body: Readable,
  temp: TempFile,
  maxSize: number,
  create: CreateFile = createOnPool,
): Promise<WrittenFile> {
  const { path } = temp;
  let ready = temp.fd;
  const hash = createHash('md5');
  let size = 0;
  let gathered: Buffer[] | undefined = [];
  let file: FileHandle | undefined;
  try {
    for await (const data of body) {
      const chunk = typeof data === 'string' ? Buffer.from(data) : (data as Buffer);
      size += chunk.length;
      // Refuse as soon as the limit is crossed: never buffer or store more than maxSize bytes.
      if (size > maxSize) throw tooLarge(maxSize);
      hash.update(chunk);
      if (gathered) {
        gathered.push(chunk);
        if (size <= SMALL_BODY) continue;
        // A file created ahead is ours: reopened as a FileHandle (a large body is written in many steps).
        const flags = ready === undefined ? 'wx' : 'w';
        if (ready !== undefined) closeSync(ready);
        ready = undefined;
        file = await open(path, flags, OBJECT_FILE_MODE);
        const pending = Buffer.concat(gathered);
        gathered = undefined;
        await writeAll(file, pending);
      } else {
        await writeAll(file!, chunk);
      }
    }
  } catch (error) {
    if (file) await file.close();
    else if (ready !== undefined) closeSync(ready);
    throw error;
  }
  const md5 = hash.digest('hex');
  return gathered ? smallFile(ready ?? (await create(path)), gathered, size, md5) : openFile(file!, size, md5);
}

/** A body gathered whole (at most SMALL_BODY), hashed, its file not written yet. */
export interface GatheredBody {
  size: number;
  md5: string;
  bytes: Buffer;
}

/** Sizes and hashes a body gathered whole; refuses one larger than `maxSize`. */
export function gatherBody(bytes: Buffer, maxSize: number): GatheredBody {
  if (bytes.length > maxSize) throw tooLarge(maxSize);
  return { size: bytes.length, md5: createHash('md5').update(bytes).digest('hex'), bytes };
}

/**
 * A gathered body's file created at `path` (a new temp path) by `create` and written, left open for the caller to
 * fsync: its size and md5 are the body's, not computed again.
 */
export async function writeGatheredFile(body: GatheredBody, path: string, create: CreateFile): Promise<WrittenFile> {
  return smallFile(await create(path), [body.bytes], body.size, body.md5);
}

/**
 * A gathered body's file created straight at `dest` (`wx`: never over an existing entry), its folder created
 * first when not known, and written, left open for the caller to fsync: for a new key, whose row is durable
 * already and carries the bytes, so that no temp file and no rename are needed (local-storage.backend.ts
 * `commit`). Undefined, and nothing created, when something is at `dest` already (a file without a row, an empty
 * folder tree): that path takes a temp file and `moveIntoPlace`, which deals with both. A failed write removes the
 * file it created. Created by `create`.
 */
export async function writeInPlace(
  body: GatheredBody,
  dest: string,
  dirs: DurableDirs,
  create: CreateFile,
): Promise<{ file: WrittenFile; folder: string } | undefined> {
  let fd = -1;
  let folder: string;
  try {
    folder = await inFolder(dest, dirs, () => {
      const made = create(dest);
      if (typeof made === 'number') fd = made;
      else return made.then((opened) => void (fd = opened));
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
  try {
    return { file: smallFile(fd, [body.bytes], body.size, body.md5), folder };
  } catch (error) {
    await unlink(dest); // ours: created above, under the key's lock
    throw error;
  }
}

function tooLarge(maxSize: number): StorageError {
  return new StorageError('EntityTooLarge', `The object is larger than ${maxSize} bytes.`);
}

/**
 * Creates a new file (`wx`: never an existing one) and gives its descriptor: at once when on the event loop, as a
 * promise when on libuv's pool. Where a small body's file is created: file-creation.gate.ts.
 */
export type CreateFile = (path: string) => number | Promise<number>;

/** On the event loop: no pool round trip, but the loop waits for the inode's allocation. */
export const createOnLoop: CreateFile = (path) => openSync(path, 'wx', OBJECT_FILE_MODE);

/** On libuv's pool, through the callback API (no FileHandle). */
export const createOnPool: CreateFile = (path) =>
  new Promise((resolve, reject) =>
    openCallback(path, 'wx', OBJECT_FILE_MODE, (error, fd) => (error ? reject(error) : resolve(fd))),
  );

/** The gathered body written with one write(2) (looping on a short write: a full disk), the file left open. */
function smallFile(fd: number, gathered: Buffer[], size: number, md5: string): WrittenFile {
  const bytes = gathered.length === 1 ? gathered[0] : Buffer.concat(gathered);
  try {
    for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  let open = true;
  const close = async () => {
    if (!open) return;
    open = false;
    closeSync(fd);
  };
  return {
    size,
    md5,
    bytes,
    sync: async () => {
      try {
        await fsyncFd(fd);
      } finally {
        await close();
      }
    },
    close,
  };
}

function openFile(file: FileHandle, size: number, md5: string): WrittenFile {
  let closed: Promise<void> | undefined;
  const close = () => (closed ??= file.close());
  return {
    size,
    md5,
    sync: async () => {
      try {
        await file.sync();
      } finally {
        await close();
      }
    },
    close,
  };
}

/** writeBody, fsynced and closed before it resolves. */
export async function writeBodyToFile(
  body: Readable,
  path: string,
  maxSize: number,
): Promise<{ size: number; md5: string }> {
  const file = await writeBody(body, { path }, maxSize);
  await file.sync();
  return { size: file.size, md5: file.md5 };
}

/** Size and md5 of the regular file at `path`; undefined when there is none (missing, or a directory). */
export async function fileDigest(path: string): Promise<{ size: number; md5: string } | undefined> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
  try {
    if (!(await file.stat()).isFile()) return undefined;
    const hash = createHash('md5');
    let size = 0;
    for await (const chunk of file.createReadStream({ autoClose: false })) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
    return { size, md5: hash.digest('hex') };
  } finally {
    await file.close();
  }
}

/**
 * Renames an fsynced file into place, creating its directories, and makes that durable.
 * Retries when a concurrent delete pruned a directory just created (ENOENT), and removes an empty
 * directory tree left where the file goes (EISDIR; the caller checked that no object lives below it).
 */
export async function placeFile(tmpPath: string, dest: string, dirs: DurableDirs): Promise<void> {
  await dirs.entryMadeIn(await moveIntoPlace(tmpPath, dest, dirs));
}

/**
 * placeFile without the fsync of the folder: resolves with that folder once the rename is done (in the page cache,
 * NOT durable), for a caller that makes it durable later (`dirs.entryMadeIn`) and can recover it meanwhile: a put
 * whose intent stays pending until then (local-storage.backend.ts `commit`).
 */
export async function moveIntoPlace(tmpPath: string, dest: string, dirs: DurableDirs): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      // On the event loop: a rename changes directory entries in the page cache (at most it waits for ext4's
      // journal to open a new transaction, not for a write to the disk: its durability is the directory fsync,
      // on the pool), and a thread-pool round trip costs more CPU than the syscall (see SMALL_BODY).
      return await inFolder(dest, dirs, () => renameSync(tmpPath, dest));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (attempt >= 8 || !(code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST')) throw error;
      await removeEmptyTree(dest, dirs);
    }
  }
}

/**
 * Runs `make` (a syscall that makes the entry `dest`) and resolves with dest's folder. A folder known durable was
 * there a moment ago: `make` runs first, one syscall less. A concurrent delete may have pruned it since: `make`
 * then fails with ENOENT, and the retry creates the folder.
 */
async function inFolder(dest: string, dirs: DurableDirs, make: () => void | Promise<void>): Promise<string> {
  const parent = dirname(dest);
  let create = !dirs.isKnown(parent);
  for (let attempt = 1; ; attempt++) {
    try {
      if (create) await mkdir(parent, { recursive: true, mode: STORAGE_DIR_MODE });
      const making = make();
      if (making) await making; // a syscall on the pool; one on the event loop needs no wait
      return parent;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 8) throw error;
      create = true;
    }
  }
}

/** Unlinks an object file (a missing one is fine), makes that durable, then prunes directories left empty. */
export async function removeFile(dest: string, dirs: DurableDirs): Promise<void> {
  try {
    await unlink(dest);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return;
  }
  await dirs.entryRemovedFrom(dirname(dest));
  await pruneEmptyDirs(dirname(dest), dirs);
}

/** Removes `dir` and its parents while they are empty, never the root itself. */
export async function pruneEmptyDirs(dir: string, dirs: DurableDirs): Promise<void> {
  for (let d = dir; d !== dirs.root && isInside(d, dirs.root); d = dirname(d)) {
    dirs.forget(d);
    try {
      await rmdir(d);
    } catch {
      return; // not empty (a sibling, or a put that just created it), or already gone
    }
  }
}

/** Removes a tree made only of directories; fails (ENOTEMPTY) if it holds any file, which is never deleted. */
export async function removeEmptyTree(dir: string, dirs: DurableDirs): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries) {
    if (entry.isDirectory()) await removeEmptyTree(join(dir, entry.name), dirs);
  }
  dirs.forget(dir);
  await rmdir(dir);
}
