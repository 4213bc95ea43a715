import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, lstat, mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DvcRemote, type ObjectSource, type RemoteHealth, type StagedObject } from './dvc.remote.js';
import { DvcRemoteError } from './dvc-remote.error.js';
import { objectRelPath } from './object-path.util.js';
import { hashMismatch } from './remote-io.util.js';
import { isOrphanTemp, isOurTempName, sweepDue, tempPathFor } from './temp-name.rules.js';
import { createFileDirect } from '../common/direct-write.js';
import { fsyncDir } from '../common/fsync-dir.js';
import { fsyncFile, syncFileSystem } from '../common/sync-file-system.js';
import { writeAll } from '../common/write-all.js';

/**
 * A `.dir` from this size on is written past the page cache. Below it the page cache costs little (77 KiB at 1,000
 * files) and a write through it is one call where O_DIRECT takes a copy into aligned memory and a truncate.
 */
const DIRECT_WRITE_FROM = 1024 * 1024;
/** How many files are looked at at the same time. */
const PARALLEL = 32;
/** Uploads at a time (`uploadParallelism`): copies, and links of a push of at most LINK_BURST files. */
const COPY_PARALLELISM = 2;
const LINK_PARALLELISM = 8;
const LINK_BURST = 500;
/** fsyncs (and renames) run at the same time (as few as the uploads: the PUTs share the thread pool). */
const SYNC_PARALLEL = 2;
/** Above this many ids, `missing` lists the `xx/` folders (at most 256 readdirs) instead of one stat per id. */
const LIST_ABOVE = 1024;
/**
 * Up to this many files or folders, an fsync of each; above, one syncfs of the file system costs less. The bound
 * was set when the syncfs ran `sync -f` in a child process, whose spawn forked this one and stopped the event loop
 * while the kernel copied its page tables, 30–90 ms at 420 MiB RSS on a 2-core VM: a small flush (50 projects under
 * load flush ~40 objects each, in ~40 folders) paid two such stalls per flush with 16 here
 * (bench/results/projects-scale.md). syncfs(2) is now called in-process (sync-file-system.ts) and stops nothing;
 * the bound is kept as it was (small flushes not measured again), and thousands of objects (a first sync) still
 * take one syncfs.
 */
const FSYNC_EACH_UP_TO = 256;

/** link(2)'s answers that no link can be made from that source into this folder (so every later one copies). */
const CANNOT_LINK = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/** How the remote makes what it wrote durable: fsync/syncfs by default, a recorder in the specs. */
export interface LocalRemoteDurability {
  /** The bytes (and inodes) of these files. */
  syncFiles(files: readonly string[]): Promise<void>;
  /** The entries (renames, created folders) of these folders. */
  syncDirs(dirs: readonly string[]): Promise<void>;
}

/** A few paths: an fsync each; many: one syncfs(2) of their file system (fsync each where it cannot be called). */
export const fsDurability: LocalRemoteDurability = {
  syncFiles: (files) => syncAll(files, fsyncFile),
  syncDirs: (dirs) => syncAll(dirs, fsyncDir),
};

async function syncAll(paths: readonly string[], fsyncOne: (path: string) => Promise<void>): Promise<void> {
  if (paths.length === 0) return;
  if (paths.length > FSYNC_EACH_UP_TO && (await syncFileSystem(paths[0]))) return;
  await inParallel(paths, SYNC_PARALLEL, fsyncOne);
}

/**
 * A DVC remote (or cache) in a local folder, laid out as dvc-objects' `LocalFileSystem` + `HashFileDB`
 * write it: tmp file + rename so a reader never sees half an object, then mode 0444, which DVC takes as
 * "already verified" and never re-hashes (dvc-objects `HashFileDB.protect`).
 *
 * A file object is durable once its bytes are AND the folder holding its new name is (LWN, "Ensuring data reaches
 * disk"). A flush writes thousands of small objects, so neither is paid per object: `upload` writes the bytes to a
 * temp file beside the object's path and stops there (staged: `missing` and `read` already count it as present);
 * `syncUploads` then makes the bytes of every staged file durable at once (one syncfs for many), renames them into
 * place, and makes the renames durable (one syncfs again, or an fsync per folder for a few). Renaming only after the
 * bytes are durable is what keeps a crash from leaving an object name over bytes that never reached the disk, which
 * `missing` would take as present forever. Until `syncUploads` returns, nothing is promised: `pushDataset` calls it
 * before the `.dir` and before any commit can name the objects (docs/architecture.md, invariant 2), and a crash
 * before that leaves only temp files, which DVC ignores (they do not parse as object ids), a later push writes
 * again, and a later process removes once they are a day old (`sweepOrphans`). A `.dir` is written and made durable
 * on its own, before `upload` (or a staged one's `commit`) returns, and takes its name only after a `syncUploads`.
 */
export class LocalDvcRemote extends DvcRemote {
  /**
   * Each upload is a chain of file-system calls run by libuv's thread pool (four threads, shared with the service's
   * PUTs) on the disk the PUTs fsync to. Measured side by side (6,000-object flush, 8 PUT clients, 2 cores): PUTs
   * during the flush ran at 0.5–0.8× their idle rate with 8 uploads in flight, 0.8–1.05× with 2, 0.9–1.2× with 1;
   * the flush took 1.1–1.5× as long with 2 as with 8. Invariant 7 (a sync does not slow PUTs) weighs more.
   * A link (a stored file given one more name, on the same file system) is one call that writes no bytes, and each
   * waits for a turn of the event loop, which the flush shares with the hashing of the `.dir`: a few links (the
   * common flush, a few annotations saved) run 8 at a time, so that the commit comes sooner (100 changes into
   * 100,000 files: 0.88× the flush time, bench/results/links-2-vs-8-ab.md). Not many: 8 at a time through a flush of
   * 6,000 objects, the PUTs that kept arriving ran at 0.88× the rate (links-during-ab.md).
   */
  override uploadParallelism(sources: readonly ObjectSource[]): number {
    const links = this.canLink && sources.length <= LINK_BURST && sources.every((source) => source.linkTo);
    return links ? LINK_PARALLELISM : COPY_PARALLELISM;
  }
  /** Uploaded file objects not yet in place: id → its temp file (bytes written and checked, not durable). */
  private readonly staged = new Map<string, string>();
  /** Folders holding new entries (renamed or linked objects, created folders) that are not fsynced yet. */
  private readonly unsynced = new Set<string>();
  /** Until a link fails for good here (another file system, no hard links): then every upload copies. */
  private canLink = true;
  /** Whether the folders a predecessor process may have left unsynced were fsynced (the first syncUploads). */
  private predecessorSettled = false;
  /** When the last look for orphaned temp files started (`sweepOrphans`). */
  private lastSweep: number | undefined;

  constructor(
    private readonly root: string,
    private readonly name?: string,
    private readonly durability: LocalRemoteDurability = fsDurability,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  describe(): string {
    return this.name ? `local folder ${this.root} (remote '${this.name}')` : `local folder ${this.root}`;
  }

  async missing(ids: readonly string[]): Promise<Set<string>> {
    const unique = [...new Set(ids)].filter((id) => !this.staged.has(id));
    if (unique.length > LIST_ABOVE) return this.missingByListing(unique);
    const result = new Set<string>();
    await inParallel(unique, PARALLEL, async (id) => {
      if (!(await this.exists(id))) result.add(id);
    });
    return result;
  }

  /**
   * Writes the object to a temp file beside its path, checking that the bytes hash to the id; a file object stays
   * staged there until `syncUploads`. Five file-system calls (open, write, fchmod, close; the rename later), each a
   * trip through libuv's four-thread pool that the service's PUTs share.
   */
  async upload(id: string, source: ObjectSource, _size?: number): Promise<void> {
    if (source.linkTo && this.canLink && (await this.link(id, source.linkTo))) return;
    const isDir = id.endsWith('.dir');
    const direct = isDir ? directBytes(source) : undefined;
    if (direct) return this.stage(direct).commit(id);
    const target = this.pathOf(id);
    const tmp = tempPathFor(target);
    try {
      const file = await this.inFolderOf(tmp, (path) => open(path, 'wx', 0o644));
      try {
        const md5 = await writeHashed(file, source(), source.hashed === true);
        // The id is the md5 of the bytes: anything else would be a corrupt object that DVC trusts (0444).
        if (md5 !== undefined && md5 !== id.replace(/\.dir$/, '')) {
          throw hashMismatch(id, md5, this.describe());
        }
        // 0444 whatever the umask: DVC takes it as "already verified" (dvc-objects HashFileDB.protect). Set before the
        // bytes are made durable, so that the mode is as durable as they are.
        await file.chmod(0o444);
        if (isDir) await file.sync();
      } finally {
        await file.close();
      }
      if (!isDir) {
        if (this.staged.has(id)) await rm(tmp, { force: true });
        else this.staged.set(id, tmp);
        return;
      }
      await this.placeDir(tmp, target);
    } catch (error) {
      throw await this.writeFailed(id, tmp, error);
    }
  }

  /**
   * A large `.dir` (`DIRECT_WRITE_FROM`) is written past the page cache and fsynced at once, while its caller computes
   * its md5, then renamed into place by `commit`. Its own folder is not known yet, so its temp file goes into the
   * folder of a random id, named as any of ours (an orphan there is swept like the others). A smaller one is
   * written by `commit`, as `upload` does.
   */
  override stage(content: Buffer): StagedObject {
    if (content.length < DIRECT_WRITE_FROM) return super.stage(content);
    const tmp = tempPathFor(this.pathOf(`${randomBytes(16).toString('hex')}.dir`));
    const written = this.writeDirect(tmp, content);
    written.catch(() => {}); // reported by `commit`, or dropped by `discard`
    return {
      commit: async (id) => {
        try {
          await written;
          await this.placeDir(tmp, this.pathOf(id));
        } catch (error) {
          throw await this.writeFailed(id, tmp, error);
        }
      },
      discard: async () => {
        await written.catch(() => {});
        await rm(tmp, { force: true }).catch(() => {});
      },
    };
  }

  /** A new file `tmp` holding `content`, written past the page cache (direct-write.ts), mode 0444, durable. */
  private async writeDirect(tmp: string, content: Buffer): Promise<void> {
    const file = await this.inFolderOf(tmp, (path) => createFileDirect(path, content, 0o644));
    try {
      await file.chmod(0o444); // as `upload`: before the fsync, so that the mode is as durable as the bytes
      await file.sync();
    } finally {
      await file.close();
    }
  }

  /**
   * Gives a durable `.dir` temp file its name, only once every file object uploaded before is durable (the `.dir`
   * tells DVC they are all there), and makes the name durable.
   */
  private async placeDir(tmp: string, target: string): Promise<void> {
    await this.syncUploads();
    await this.inFolderOf(target, (path) => rename(tmp, path)); // a staged temp file lives in another folder
    this.unsynced.add(dirname(target));
    await this.syncUploads();
  }

  /** The error an upload of `id` fails with, its temp file removed. */
  private async writeFailed(id: string, tmp: string, error: unknown): Promise<DvcRemoteError> {
    await rm(tmp, { force: true }).catch(() => {}); // one it cannot remove (ENOTDIR) must not hide why the write failed
    if (error instanceof DvcRemoteError) return error;
    return new DvcRemoteError(`object ${id}: cannot write to ${this.describe()}: ${(error as Error).message}`, {
      cause: error,
    });
  }

  /**
   * Pushes a file object by giving the source's file its name here (link(2)): one file-system call where a copy
   * makes eight (open, read, close; open, write, fchmod, close, rename), and no byte read or hashed again (the
   * source checks the file against the id's md5 under its own lock, and links it only once its bytes are durable:
   * `linkObject`), so the object takes its name at once: only the new entry of its folder waits for `syncUploads`,
   * which makes it durable before the `.dir` and before any commit names the object (invariant 2). The remote's
   * object keeps its bytes for good because the source's file is never written again (storage replaces or unlinks
   * a stored file, never rewrites it: docs/architecture.md, "One PUT"). It also keeps that file's mode (storage's
   * 0640, not DVC's 0444): a chmod would open the stored object to every user too, and DVC reads a remote's objects
   * whatever their mode (docs/dvc-format.md, "Pushing to a local folder"). False when this file system cannot link
   * there (another one, or no hard links): this upload and the later ones copy.
   */
  private async link(id: string, linkTo: (path: string) => Promise<void>): Promise<boolean> {
    if (this.staged.has(id)) return true; // a copy of these bytes is staged already
    const target = this.pathOf(id);
    try {
      await this.inFolderOf(target, linkTo);
      this.unsynced.add(dirname(target));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Named already: a push that failed before its syncUploads, or this process's crashed predecessor; its
      // folder's entries are made durable with this push's.
      if (code === 'EEXIST') return (this.unsynced.add(dirname(target)), true);
      if (code === 'EMLINK') return false; // this file has too many names: copy it
      if (code !== undefined && CANNOT_LINK.has(code)) return (this.canLink = false);
      if (error instanceof DvcRemoteError) throw error;
      throw new DvcRemoteError(`object ${id}: cannot link into ${this.describe()}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return true;
  }

  /**
   * Makes every upload so far durable and in place: the staged bytes, then their renames, then the folders that got
   * entries. What fails stays to do for the next call.
   */
  override async syncUploads(): Promise<void> {
    const staged = [...this.staged];
    try {
      await this.settlePredecessor();
      await this.sweepOrphans();
      await this.durability.syncFiles(staged.map(([, tmp]) => tmp));
      await inParallel(staged, SYNC_PARALLEL, async ([id, tmp]) => {
        const target = this.pathOf(id);
        await rename(tmp, target);
        this.staged.delete(id);
        this.unsynced.add(dirname(target));
      });
      const dirs = [...this.unsynced];
      this.unsynced.clear();
      await this.durability.syncDirs(dirs).catch((error: unknown) => {
        for (const dir of dirs) this.unsynced.add(dir); // still to do: the next call tries again
        throw error;
      });
    } catch (error) {
      await this.forgetVanished();
      throw new DvcRemoteError(
        `cannot make the objects written to ${this.describe()} durable: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /**
   * A process that crashed after naming objects (a link, or a rename) and before its syncUploads left entries that
   * may not be durable yet (a process crash keeps them in the page cache; a power cut then loses them), and `missing`
   * now counts those objects as present, so no push would name them again. Before the first push of this process
   * relies on anything already here, every `files/md5/xx/` folder is made durable once (a clean folder's fsync
   * writes nothing), with the folders this push adds.
   */
  private async settlePredecessor(): Promise<void> {
    if (this.predecessorSettled) return;
    const md5Root = join(this.root, 'files', 'md5');
    const folders = await readdir(md5Root, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return []; // a new remote: nothing from before
      throw error;
    });
    for (const folder of folders) if (folder.isDirectory()) this.unsynced.add(join(md5Root, folder.name));
    if (folders.length > 0) this.unsynced.add(md5Root);
    this.predecessorSettled = true;
  }

  /**
   * Removes the orphaned temp files of crashed pushes (temp-name.rules.ts), never this remote's own staged ones:
   * without it, every crash in the middle of a push that copies leaves its staged bytes in the team's remote for
   * good, and a first sync that crashed would double the remote's size. Housekeeping only: a failure here (a folder
   * that cannot be listed, a file that cannot be removed) is left for the next sweep and never fails the push.
   * Losing a removal to a power cut is harmless, so nothing is fsynced.
   */
  private async sweepOrphans(): Promise<void> {
    const now = this.now();
    if (!sweepDue(this.lastSweep, now)) return;
    this.lastSweep = now;
    const md5Root = join(this.root, 'files', 'md5');
    const folders = await readdir(md5Root, { withFileTypes: true }).catch(() => []);
    const ours = new Set(this.staged.values());
    await inParallel(
      folders.filter((folder) => folder.isDirectory()),
      SYNC_PARALLEL,
      async (folder) => {
        const dir = join(md5Root, folder.name);
        for (const name of await readdir(dir).catch(() => [])) {
          if (!isOurTempName(name)) continue; // nearly every name: an object (no path built for it)
          const path = join(dir, name);
          if (ours.has(path)) continue;
          const stats = await lstat(path).catch(() => undefined);
          if (stats?.isFile() && isOrphanTemp(name, stats.mtimeMs, now))
            await rm(path, { force: true }).catch(() => {});
        }
      },
    );
  }

  /**
   * After a failed syncUploads: a staged file that is gone (removed by hand, or by the sweep of another process's
   * remote on this folder once it was a day old) is no longer staged, so that `missing` reports its object again
   * and the next push uploads it anew, instead of failing on the same missing file for the rest of the run.
   */
  private async forgetVanished(): Promise<void> {
    await inParallel([...this.staged], SYNC_PARALLEL, async ([id, tmp]) => {
      const gone = await lstat(tmp).then(
        () => false,
        (error: NodeJS.ErrnoException) => error.code === 'ENOENT',
      );
      if (gone && this.staged.get(id) === tmp) this.staged.delete(id);
    });
  }

  async read(id: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.staged.get(id) ?? this.pathOf(id));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new DvcRemoteError(`object ${id}: cannot read from ${this.describe()}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  async check(): Promise<RemoteHealth> {
    try {
      // DVC creates a missing remote folder on push; so do we.
      await mkdir(this.root, { recursive: true });
      await access(this.root, constants.W_OK);
      return { ok: true };
    } catch (error) {
      return { ok: false, error: `${this.describe()}: ${(error as Error).message}` };
    }
  }

  private pathOf(id: string): string {
    return join(this.root, objectRelPath(id));
  }

  /**
   * Runs `make` (a create, link or rename that gives `path` its entry), making its `files/md5/xx/` folder only when it
   * is missing (most find it there); a `make` that fails again for another reason (a missing source) fails then.
   */
  private async inFolderOf<T>(path: string, make: (path: string) => Promise<T>): Promise<T> {
    try {
      return await make(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await this.makeFolderOf(path);
      return make(path);
    }
  }

  /** The folders that mkdir creates are new entries in their parents: those parents join the folders to fsync. */
  private async makeFolderOf(path: string): Promise<void> {
    const first = await mkdir(dirname(path), { recursive: true });
    if (first)
      for (let dir = dirname(path); dir !== dirname(first); dir = dirname(dir)) this.unsynced.add(dirname(dir));
  }

  /** `missing` for many ids: each `xx/` folder they fall in is listed once. */
  private async missingByListing(ids: readonly string[]): Promise<Set<string>> {
    // Grouped by the folder's relative path, joined to the root once per folder: a path built per id was ~13 ms
    // of one block for a flush of 6,000 objects.
    const byFolder = new Map<string, string[]>();
    for (const id of ids) {
      const relFolder = dirname(objectRelPath(id));
      const group = byFolder.get(relFolder);
      if (group) group.push(id);
      else byFolder.set(relFolder, [id]);
    }
    const result = new Set<string>();
    await inParallel([...byFolder], SYNC_PARALLEL, async ([relFolder, group]) => {
      const folder = join(this.root, relFolder);
      const files = new Set<string>();
      try {
        for (const entry of await readdir(folder, { withFileTypes: true })) if (entry.isFile()) files.add(entry.name);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          throw new DvcRemoteError(`cannot list ${folder} of ${this.describe()}: ${(error as Error).message}`, {
            cause: error,
          });
        }
      }
      for (const id of group) if (!files.has(id.slice(2))) result.add(id);
    });
    return result;
  }

  private async exists(id: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(id))).isFile();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new DvcRemoteError(`object ${id}: cannot look in ${this.describe()}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

/** Runs `work` on every item, at most `parallel` at a time; the first failure rejects once all have settled. */
async function inParallel<T>(items: readonly T[], parallel: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const failed: unknown[] = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      await work(item).catch((error: unknown) => failed.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
  if (failed.length > 0) throw failed[0];
}

/**
 * The bytes of a large `.dir` this process built and hashed (`ObjectSource.hashed`), to be written past the page
 * cache (direct-write.ts): megabytes at 100,000 files, written once and never read back here. Anything else (a file
 * object, a small listing, one whose bytes must be checked) goes through the page cache and `writeHashed`.
 */
function directBytes(source: ObjectSource): Buffer | undefined {
  if (source.hashed !== true) return undefined;
  const body = source();
  return Buffer.isBuffer(body) && body.length >= DIRECT_WRITE_FROM ? body : undefined;
}

/**
 * Writes every byte of `body` to `file` (write(2) may write less than asked), returning their md5; `undefined` when
 * the source vouches for its bytes (`ObjectSource.hashed`) and is a Buffer: then they are written, not hashed again.
 */
async function writeHashed(
  file: FileHandle,
  body: ReturnType<ObjectSource>,
  hashed: boolean,
): Promise<string | undefined> {
  const hash = hashed && Buffer.isBuffer(body) ? undefined : createHash('md5');
  for await (const data of Buffer.isBuffer(body) ? [body] : body) {
    const chunk = typeof data === 'string' ? Buffer.from(data) : (data as Buffer);
    hash?.update(chunk);
    await writeAll(file, chunk);
  }
  return hash?.digest('hex');
}
