import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, link, mkdir, open, rm, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { DISK_FULL_ADVICE, isDiskFull } from '../common/disk-full.js';
import { fsyncDir } from '../common/fsync-dir.js';
import { DurableDirs } from './durable-dirs.js';
import {
  gatherBody,
  moveIntoPlace,
  removeFile,
  writeBody,
  writeBodyToFile,
  writeGatheredFile,
  writeInPlace,
  type GatheredBody,
  type WrittenFile,
} from './durable-fs.js';
import { KeyLocks, type Release } from './key-locks.js';
import { caseConflict, foldLetterCase, ignoresLetterCase, pathTaken } from './letter-case.probe.js';
import { ancestorKeys, assertValidKey } from './key-path.js';
import { pickHeaders } from './object-headers.js';
import type { IndexDatabase } from './index-database.js';
import { bucketIndexTables, retireLegacyIndex } from './index-migration.js';
import { ObjectIndex, type Intent } from './object-index.repository.js';
import {
  assertCompletedSize,
  compositeETag,
  fullObjectChecksums,
  isUploadId,
  keyExists,
  newUpload,
  noSuchUpload,
  selectParts,
} from './multipart.rules.js';
import { moveLegacyKeyPaths, recoverStorage, recoverUploads } from './storage-recovery.js';
import { pathExists } from '../common/path-exists.js';
import { objectFile, STORAGE_DIR_MODE, storageLayout, type StorageLayout } from './storage-layout.js';
import {
  StorageBackend,
  type ByteRange,
  type CompleteUploadInput,
  type CreateUploadInput,
  type ListQuery,
  type ListUploadsQuery,
  type MultipartUpload,
  type PartMeta,
  type UploadPartInput,
  type ObjectChange,
  type ObjectHeaders,
  type ObjectMeta,
  type PutObjectInput,
} from './storage.backend.js';
import { StorageError } from './storage.errors.js';
import { ReadyFilesBudget } from './ready-files.budget.js';
import { SyncWindow } from './sync-window.js';
import { TempFiles, type TempFile } from './temp-files.js';
import { FileCreationGate } from './file-creation.gate.js';
import { FileSystemSyncs } from './file-system-syncs.js';

/**
 * How long the folder fsync of an answered put (`settle`) waits, so that the renames into the same folder that
 * follow share it: a lone client's PUTs come ~1 ms apart, and an fsync per PUT, started at once, also competed with
 * the next PUT's own fsyncs for the disk. Short, because a later write of the same key waits for it, and because the
 * slot folder of a file made ahead is used again only once the renames out of it are durable (temp-files.ts): with
 * 5 and 20 ms, PUTs ran out of ready files on a slow disk. Interleaved against no window on a quiet machine
 * (bench/results/folder-fsync-window.md): 1 client PUT/s 1.05×, p50 0.93×; 8 clients PUT/s 1.08×, CPU per PUT
 * 0.95×; 50 projects PUT/s 1.00×, p99 0.93× (their folders rarely see two renames within 2 ms).
 */
const FOLDER_FSYNC_WINDOW_MS = 2;
/** Journal rows `changesSince` reads per turn of the event loop (~4 ms). */
const CHANGES_PER_PAGE = 2000;

/**
 * The bucket as a folder: bytes under DATA_DIR/objects (a readable mirror of the keys), metadata and the change
 * journal in DATA_DIR/state/storage.db — or, with PROJECTS_FILE, in the bucket's tables of the index database every
 * project shares (`shared`: index-database.ts). A put or delete resolves only once it is durable and journaled.
 */
export interface LocalStorageConfig {
  dataDir: string;
  /** The database every project's index shares, and this bucket's name in it. */
  shared?: { database: IndexDatabase; bucket: string };
  /** The descriptors every bucket's temp files made ahead may hold together (one per process): else its own. */
  readyFiles?: ReadyFilesBudget;
  /**
   * The fsync of a folder under DATA_DIR (objects/ and below, tmp/): `fsyncDir` unless a spec models a power cut at
   * this seam (which directory entries had been made durable when it struck).
   */
  fsyncDir?: (dir: string) => Promise<void>;
  /** The syncfs(2) calls every bucket of the process shares (one per file system per window): else its own. */
  fileSystemSyncs?: FileSystemSyncs;
}

export class LocalStorageBackend extends StorageBackend {
  private readonly logger = new Logger('Storage');
  private readonly layout: StorageLayout;
  /** Per key; per letter-case-folded key where DATA_DIR does not tell case apart (set by onModuleInit). */
  private locks = new KeyLocks();
  /** DATA_DIR's file system does not tell letter case apart (letter-case.probe.ts): `commit` checks the path. */
  private ignoresCase = false;
  /** Per upload id: parts upload under a shared lock, completion and abort take it exclusive. */
  private readonly uploadLocks = new KeyLocks();
  private readonly dirs: DurableDirs;
  private readonly temps: TempFiles;
  /** The folder fsyncs of answered puts (`settle`), each shared by the renames into its folder within a window. */
  private readonly folderSyncs: SyncWindow;
  private readonly fileSystems: FileSystemSyncs;
  /** Where small bodies' new files are created: the event loop while that is quick (file-creation.gate.ts). */
  private readonly creations = new FileCreationGate();
  /** DATA_DIR's file system, when syncfs(2) can make it durable (set by onModuleInit): small puts' `settle`. */
  private fileSystem?: number;
  private readonly inFlight = new Set<Promise<unknown>>();
  /**
   * Rollbacks of refused writes that could not be written themselves (the database's disk full as well): their
   * rows would show a write nobody acknowledged. Finished before any later write, which fails while they cannot be.
   */
  private readonly rollbacks: Intent[] = [];
  private index?: ObjectIndex;
  private closed = false;

  constructor(private readonly config: LocalStorageConfig) {
    super();
    this.layout = storageLayout(config.dataDir);
    this.dirs = new DurableDirs(this.layout.objectsDir, config.fsyncDir);
    this.folderSyncs = new SyncWindow(FOLDER_FSYNC_WINDOW_MS, (folder) => this.dirs.entryMadeIn(folder));
    this.temps = new TempFiles(this.layout.tmpDir, config.readyFiles ?? new ReadyFilesBudget(), config.fsyncDir);
    this.fileSystems = config.fileSystemSyncs ?? new FileSystemSyncs();
  }

  async onModuleInit(): Promise<void> {
    const newFolder = !(await pathExists(this.layout.objectsDir));
    for (const dir of [this.layout.objectsDir, this.layout.stateDir, this.layout.tmpDir, this.layout.uploadsDir]) {
      await mkdir(dir, { recursive: true, mode: STORAGE_DIR_MODE });
      // A data folder of an older version (0755 folders, 0644 files) is closed at its top folders: what is below
      // keeps its modes but is no longer reachable by other users.
      await chmod(dir, STORAGE_DIR_MODE);
    }
    await fsyncDir(dirname(this.layout.objectsDir)); // their entries in DATA_DIR: every put relies on them
    this.fileSystem = await this.fileSystems.register(this.layout.objectsDir);
    if (this.fileSystem === undefined) {
      this.logger.warn('syncfs(2) cannot be called here: small puts fsync their files and folders one by one');
    }
    if (await ignoresLetterCase(this.layout.tmpDir)) {
      this.ignoresCase = true;
      this.locks = new KeyLocks(foldLetterCase);
      this.logger.warn(
        `${this.config.dataDir} is on a file system that does not tell letter case apart (a macOS folder, NTFS, exFAT): ` +
          'a key that differs from a stored one only in letter case is refused (409 KeyCaseConflict). ' +
          'A case-sensitive volume (a Docker volume, ext4) stores both.',
      );
    }
    this.index = this.openIndex();
    if (newFolder && this.index.count() > 0) {
      // Shared index only (its own storage.db would have gone with the folder). Never dropped on our own: a folder
      // missing because a volume did not mount must not cost the journal.
      this.logger.error(
        `${this.config.shared?.bucket}: the project's folder is new, but the index lists ${this.index.count()} objects whose files are gone`,
      );
    }
    const report = await recoverStorage(this.index, this.layout, this.dirs);
    if (report.rolledForward + report.rewritten + report.undone + report.deletesReplayed > 0) {
      this.logger.warn(`recovered after an interrupted run: ${JSON.stringify(report)}`);
    }
    const moved = await moveLegacyKeyPaths(this.index, this.layout, this.dirs);
    if (moved > 0) this.logger.warn(`moved ${moved} object files to the paths this release gives their keys`);
    const uploads = await recoverUploads(this.index.uploads, this.layout);
    if (uploads.filesRemoved + uploads.partsDropped > 0) {
      this.logger.warn(`multipart uploads: removed what an interrupted run left: ${JSON.stringify(uploads)}`);
    }
    await this.index.durable(); // what recovery (and an import) wrote, before the first request relies on it
    const { shared } = this.config;
    if (shared && (await retireLegacyIndex(shared.database, shared.bucket, this.layout.dbPath))) {
      this.logger.warn(`${shared.bucket}: its index moved into ${shared.database.path}`);
    }
  }

  /** Its own database (DATA_DIR/state/storage.db), or its tables in the shared one (imported from the former). */
  private openIndex(): ObjectIndex {
    const { shared } = this.config;
    if (!shared) return ObjectIndex.alone(this.layout.dbPath);
    shared.database.join();
    try {
      return new ObjectIndex(shared.database, bucketIndexTables(shared.database, shared.bucket, this.layout.dbPath));
    } catch (error) {
      shared.database.leave();
      throw error;
    }
  }

  /**
   * Runs after Nest closed the HTTP server (destroy hooks run before it, while requests still arrive):
   * lets the writes in progress finish, and the folder fsyncs of acknowledged puts (`settle`), then closes the
   * database.
   */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await this.temps.close();
    this.index?.close();
  }

  putObject(input: PutObjectInput): Promise<ObjectMeta> {
    return this.track(async () => {
      const dest = objectFile(this.layout, input.key); // an invalid key is refused before a byte is read
      const meta = (body: { size: number; md5: string }): ObjectMeta => ({
        ...pickHeaders(input),
        key: input.key,
        size: body.size,
        md5: body.md5,
        lastModified: new Date(),
        checksums: input.checksums?.() ?? {},
      });
      if (Buffer.isBuffer(input.body)) {
        // Journaled with its row (SMALL_BODY), its file written once that is durable (`commit`): no name of it
        // ever needs to be durable, so it takes no file made ahead.
        const body = gatherBody(input.body, input.maxSize);
        return this.commit(meta(body), this.temps.fresh(), dest, false, body);
      }
      const temp = this.temps.take();
      let file: WrittenFile;
      try {
        file = await writeBody(input.body, temp, input.maxSize, this.creations.create);
      } catch (error) {
        await rm(temp.path, { force: true });
        throw error; // the same object: S3 errors raised inside the body stream travel through here
      }
      return this.commit(meta(file), temp, dest, false, file);
    });
  }

  async headObject(key: string): Promise<ObjectMeta> {
    assertValidKey(key);
    // Waiting for a commit in progress on this key: its row is visible a moment before its file.
    const release = await this.locks.acquire([], [key]);
    try {
      return this.requireIndex().get(key) ?? noSuchKey(key);
    } finally {
      release();
    }
  }

  async getObject(key: string, range?: ByteRange): Promise<{ meta: ObjectMeta; body: Readable }> {
    const dest = objectFile(this.layout, key);
    const release = await this.locks.acquire([], [key]);
    try {
      const meta = this.requireIndex().get(key) ?? noSuchKey(key);
      if (range && (range.start < 0 || range.start > range.end || range.end >= meta.size)) {
        throw new StorageError('InvalidRange', `bytes=${range.start}-${range.end} is outside 0-${meta.size - 1}.`);
      }
      // Once open, later renames or unlinks of the path do not change what this handle reads.
      const file = await open(dest, 'r');
      const body = file.createReadStream(range ? { start: range.start, end: range.end } : {});
      return { meta, body };
    } finally {
      release();
    }
  }

  /**
   * Under the key's lock: the row and the file at the key's path describe the same bytes, and a PUT that commits
   * meanwhile waits. That file is never opened for writing once its put let go of the key (`writeBody` writes a new
   * temp file, `moveIntoPlace` renames it over the old one, `writeInPlace` only creates a new key's file, `removeFile`
   * unlinks it: docs/architecture.md, "One PUT"), so a link to it keeps these bytes for good. The lock is taken as a
   * writer takes it, not shared as `getObject` does: a small put is answered before its file's fsync (its bytes are
   * durable in its intent), and the key stays locked against writers until that fsync ends (`settle`). A link made
   * earlier would give the remote a name whose bytes a power cut could still take, and the startup recovery rewrites
   * the stored object into a new file, not into the inode the remote shares.
   */
  async linkObject(key: string, target: string, expected: { md5: string; size: number }): Promise<void> {
    const source = objectFile(this.layout, key);
    const release = await this.locks.acquire([key]);
    try {
      const meta = this.requireIndex().get(key) ?? noSuchKey(key);
      if (meta.md5 !== expected.md5 || meta.size !== expected.size) {
        throw new StorageError('PreconditionFailed', `${key} no longer has md5 ${expected.md5}.`);
      }
      await link(source, target);
    } finally {
      release();
    }
  }

  deleteObject(key: string): Promise<boolean> {
    return this.track(async () => {
      const dest = objectFile(this.layout, key);
      const release = await this.locks.acquire([key], ancestorKeys(key));
      try {
        this.finishRollbacks();
        const index = this.requireIndex();
        const intent = await this.journal(() => index.beginDelete(key));
        if (!intent) return false;
        try {
          await removeFile(dest, this.dirs);
        } catch (error) {
          this.rollBack(intent);
          throw error;
        }
        index.markDone(intent);
        return true;
      } finally {
        release();
      }
    });
  }

  copyObject(sourceKey: string, targetKey: string, replaceHeaders?: ObjectHeaders): Promise<ObjectMeta> {
    return this.track(async () => {
      const dest = objectFile(this.layout, targetKey);
      const source = await this.getObject(sourceKey);
      const temp = this.temps.take();
      const tmpPath = temp.path;
      let meta: ObjectMeta;
      let file: WrittenFile;
      try {
        file = await writeBody(source.body, temp, Number.MAX_SAFE_INTEGER);
        const headers = replaceHeaders ? pickHeaders(replaceHeaders) : pickHeaders(source.meta);
        const checksums = fullObjectChecksums(source.meta.checksums);
        meta = { ...headers, key: targetKey, size: file.size, md5: file.md5, lastModified: new Date(), checksums };
      } catch (error) {
        source.body.destroy();
        await rm(tmpPath, { force: true });
        throw error;
      }
      return this.commit(meta, temp, dest, false, file);
    });
  }

  createUpload(input: CreateUploadInput): Promise<MultipartUpload> {
    return this.track(async () => {
      objectFile(this.layout, input.key); // an invalid key is refused before anything is written
      // A key that cannot become an object now is refused before gigabytes of parts arrive (checked again on
      // completion: the bucket may change meanwhile).
      this.requireIndex().assertPlaceable(input.key);
      const upload = newUpload(input);
      // The folder first, durable: a part's file must never be the only trace of its upload.
      await mkdir(this.uploadDir(upload.uploadId));
      await fsyncDir(this.layout.uploadsDir);
      const index = this.requireIndex();
      index.uploads.create(upload);
      await index.durable();
      return upload;
    });
  }

  uploadPart(input: UploadPartInput): Promise<PartMeta> {
    return this.track(async () => {
      this.requireUpload(input.uploadId, input.key);
      const release = await this.uploadLocks.acquire([], [input.uploadId]);
      try {
        this.requireUpload(input.uploadId, input.key); // not completed or aborted while this waited
        const dir = this.uploadDir(input.uploadId);
        const file = `${input.partNumber}.${randomUUID()}`;
        const path = join(dir, file);
        let part: PartMeta;
        try {
          const { size, md5 } = await writeBodyToFile(input.body, path, input.maxSize);
          part = {
            partNumber: input.partNumber,
            size,
            md5,
            lastModified: new Date(),
            checksums: input.checksums?.() ?? {},
          };
          await fsyncDir(dir); // the file's name is durable before a row points at it
        } catch (error) {
          await rm(path, { force: true });
          throw error;
        }
        const index = this.requireIndex();
        const outcome = index.uploads.putPart(input.uploadId, { ...part, file });
        if (!outcome) {
          await rm(path, { force: true });
          throw noSuchUpload(input.uploadId);
        }
        await index.durable();
        if (outcome.replaced) await rm(join(dir, outcome.replaced), { force: true });
        return part;
      } finally {
        release();
      }
    });
  }

  async listParts(
    uploadId: string,
    key: string,
    page: { afterPart?: number; limit?: number } = {},
  ): Promise<{ upload: MultipartUpload; parts: PartMeta[] }> {
    const upload = this.requireUpload(uploadId, key);
    const parts = this.requireIndex().uploads.parts(uploadId, page.afterPart, page.limit).map(withoutFile);
    return { upload, parts };
  }

  async listUploads(query: ListUploadsQuery): Promise<MultipartUpload[]> {
    return this.requireIndex().uploads.list(query);
  }

  completeUpload(input: CompleteUploadInput): Promise<ObjectMeta> {
    return this.track(async () => {
      const dest = objectFile(this.layout, input.key);
      this.requireUpload(input.uploadId, input.key);
      const release = await this.uploadLocks.acquire([input.uploadId]);
      let tmpPath: string | undefined;
      let file: WrittenFile | undefined;
      try {
        const index = this.requireIndex();
        const upload = this.requireUpload(input.uploadId, input.key);
        const stored = index.uploads.parts(input.uploadId);
        const chosen = selectParts(input.parts, new Map(stored.map((p) => [p.partNumber, p])));
        const files = chosen.map((p) => join(this.uploadDir(input.uploadId), p.file));
        assertCompletedSize(chosen, input.maxSize);
        if (input.ifNoneMatch && index.get(input.key)) throw keyExists(input.key);
        // One more copy of the bytes, so that the object is one plain file like any other (and its md5, which
        // DVC needs, is known); the parts stay untouched until the object is committed.
        const temp = this.temps.take(); // taken where writeBody owns its descriptor at once
        tmpPath = temp.path;
        file = await writeBody(concatFiles(files, input.onBytes), temp, input.maxSize);
        const { size, md5 } = file;
        const parts = chosen.map(withoutFile);
        const checksums = (await input.checksums?.(parts)) ?? {};
        const meta: ObjectMeta = {
          ...pickHeaders(upload),
          key: input.key,
          size,
          md5,
          lastModified: new Date(),
          checksums,
          multipart: { etag: compositeETag(parts.map((p) => p.md5)), partSizes: parts.map((p) => p.size) },
        };
        // No journaled body: the `finally` below closes the file, which a small body's fsync after the answer uses.
        const committed = await this.commit(meta, temp, dest, input.ifNoneMatch ?? false, file);
        // A crash before this leaves the upload listed next to the object: abort or expiry removes it.
        index.uploads.remove(input.uploadId);
        await rm(this.uploadDir(input.uploadId), { recursive: true, force: true });
        return committed;
      } finally {
        await file?.close(); // committed or not: never left open
        if (tmpPath) await rm(tmpPath, { force: true });
        release();
      }
    });
  }

  abortUpload(uploadId: string, key: string): Promise<void> {
    return this.track(async () => {
      this.requireUpload(uploadId, key);
      const release = await this.uploadLocks.acquire([uploadId]);
      try {
        this.requireUpload(uploadId, key);
        await this.removeUpload(uploadId);
      } finally {
        release();
      }
    });
  }

  abortUploadsIdleSince(before: Date): Promise<number> {
    return this.track(async () => {
      let removed = 0;
      for (const upload of this.requireIndex().uploads.idleSince(before.getTime())) {
        const release = await this.uploadLocks.acquire([upload.uploadId]);
        try {
          // A part may have arrived while this waited for the lock: then the upload is no longer idle.
          if (!this.requireIndex().uploads.isIdle(upload.uploadId, before.getTime())) continue;
          if (await this.removeUpload(upload.uploadId)) removed++;
        } finally {
          release();
        }
      }
      return removed;
    });
  }

  async listObjects(query: ListQuery): Promise<ObjectMeta[]> {
    this.tryFinishRollbacks();
    return this.requireIndex().list(query);
  }

  async countObjects(): Promise<number> {
    return this.requireIndex().count();
  }

  /**
   * Only durable changes: the flush records how far it read, so a change it saw must never vanish in a crash
   * (its seq could then be given to a later change, which the flush would skip). The sync starts after the read,
   * so it covers every row read. Read a page per turn of the event loop: 9,000 rows at once held the PUTs for
   * ~18 ms at the start of a flush (invariant 7). A row written between two pages has a higher seq than the rows
   * read before it, so the pages join as one read would have seen them.
   */
  async changesSince(afterSeq: number, limit = Infinity): Promise<ObjectChange[]> {
    this.tryFinishRollbacks();
    const index = this.requireIndex();
    const changes: ObjectChange[] = [];
    for (;;) {
      const want = Math.min(CHANGES_PER_PAGE, limit - changes.length);
      const page = index.changesSince(changes.at(-1)?.seq ?? afterSeq, want);
      changes.push(...page);
      if (page.length < want || changes.length >= limit) break;
      await nextTurn();
    }
    await index.durable();
    return changes;
  }

  async pruneChanges(beforeSeq: number): Promise<void> {
    this.requireIndex().pruneChanges(beforeSeq);
  }

  /** Durable, as changesSince: the flush reads up to it. */
  async lastSeq(): Promise<number> {
    const index = this.requireIndex();
    const seq = index.lastSeq();
    await index.durable();
    return seq;
  }

  async checkWritable(): Promise<{ ok: boolean; error?: string }> {
    const probe = join(this.layout.tmpDir, `probe-${randomUUID()}`);
    try {
      const file = await open(probe, 'wx');
      try {
        await file.write('probe');
        await file.sync();
      } finally {
        await file.close();
      }
      await unlink(probe);
      return { ok: true };
    } catch (error) {
      await rm(probe, { force: true }).catch(() => undefined);
      return { ok: false, error: isDiskFull(error) ? DISK_FULL_ADVICE : (error as Error).message };
    }
  }

  /**
   * Makes `body` the object, and resolves once that survives a power cut (invariant 1).
   * - With `journaledBody` (a small body, durable-fs.ts SMALL_BODY): the answer waits for the row, journal entry and
   *   intent, which carries the bytes, to be durable (the WAL's fdatasync, shared by the group commit) and for the
   *   file at the key's path (renamed there, or a body gathered whole written there: `writeGathered`); what makes
   *   the file and its folder durable runs after it (`settle`), and a power cut meanwhile leaves the bytes to the
   *   startup recovery, which writes them from the intent. One fdatasync for every PUT of a group instead of
   *   one more fsync each on the answer's path: against answering after the file's fsync, 1.02–1.19× the PUTs per
   *   second at 8 clients and a 0.88–0.93× p50 at one (bench/results/put-path-11.md). Where syncfs(2) can be called
   *   (`fileSystem`), that is one syncfs of DATA_DIR's file system shared by every file answered within its window
   *   instead of an fsync of each file and folder: 1.14× the PUTs per second at 8 clients, 0.80× the CPU per PUT
   *   (bench/results/put-path-15-syncfs.md).
   * - Otherwise: the row, journal entry and intent durable, the file's bytes durable (fsynced here, while the WAL
   *   is: neither needs the other), and the rename done. For a temp file made ahead, whose name in tmp/ is durable
   *   (`temp.named`), the fsync of the folder it was renamed into is not waited for: it runs after the answer
   *   (`settle`), and the intent stays pending until it ends, so a power cut meanwhile finds the temp file under its
   *   durable name and the startup recovery rolls it forward (storage-recovery.rules.ts). A temp file created on
   *   demand waits for that fsync.
   * Serialized per key (the key exclusive, its path shared), so concurrent puts of one key upload in parallel and the
   * last to commit wins, whole.
   */
  private async commit(
    meta: ObjectMeta,
    temp: TempFile,
    dest: string,
    ifAbsent: boolean,
    body: WrittenFile | GatheredBody,
  ): Promise<ObjectMeta> {
    // A body written already (streamed, copied, assembled from parts), or one gathered whole, written below.
    let file = 'sync' in body ? body : undefined;
    const journaledBody = body.bytes;
    let release: Release | undefined;
    try {
      release = await this.locks.acquire([meta.key], ancestorKeys(meta.key));
      this.finishRollbacks();
      const index = this.requireIndex();
      if (ifAbsent && index.get(meta.key)) throw keyExists(meta.key);
      // Where case is not told apart, a new key whose path is taken names a stored key's file ("A.json" for
      // "a.json"): the rename would replace that object's bytes under its row (a lost acknowledged write).
      if (this.ignoresCase && !index.get(meta.key) && (await pathTaken(this.layout.objectsDir, dest))) {
        throw caseConflict(meta.key);
      }
      const committed = { ...meta, lastModified: new Date() }; // the last commit is also the newest
      const intent = journaledBody
        ? await this.journal(() => index.beginPut(committed, temp.path, journaledBody))
        : await this.journalOnceSynced(committed, temp, file!);
      // A larger body's temp file created on demand may have no durable name to recover from: its put is answered
      // once the folder is fsynced, as every put was before files were made ahead. A small body is in its intent.
      const awaitFolder = !journaledBody && !temp.named;
      let folder: string;
      try {
        // Only now that the row is durable: a rename before could replace the previous version's file while a power
        // cut still took the new row away.
        if (file) folder = await moveIntoPlace(temp.path, dest, this.dirs);
        else ({ file, folder } = await this.writeGathered(body as GatheredBody, intent, temp, dest));
        if (awaitFolder) await this.dirs.entryMadeIn(folder);
      } catch (error) {
        this.rollBack(intent);
        throw error;
      }
      if (awaitFolder) {
        index.markDone(intent);
        return committed;
      }
      if (!journaledBody) this.settle(intent, temp, folder, release);
      else if (this.fileSystem === undefined) this.settle(intent, temp, folder, release, file.sync());
      else this.settle(intent, temp, folder, release, file.close(), this.fileSystem);
      release = undefined; // handed to settle
      return committed;
    } catch (error) {
      await file?.close();
      await rm(temp.path, { force: true });
      throw error;
    } finally {
      release?.();
    }
  }

  /**
   * The file of a body gathered whole, written once its row (which carries the bytes) is durable: a new key's straight
   * at its path (durable-fs.ts writeInPlace), with no temp file and no rename: 1.02× the PUTs per second at 8
   * clients, 1.11× at one (bench/results/put-path-13-in-place.md). A key that had an object keeps that object's
   * file until a rename replaces it whole (a reader, or the local DVC remote through `linkObject`, may share its
   * inode), so its new file is written to `temp` first; so is a new key's whose path is taken (writeInPlace says
   * by what).
   */
  private async writeGathered(
    body: GatheredBody,
    intent: Intent,
    temp: TempFile,
    dest: string,
  ): Promise<{ file: WrittenFile; folder: string }> {
    const placed = intent.prev ? undefined : await writeInPlace(body, dest, this.dirs, this.creations.create);
    if (placed) return placed;
    const file = await writeGatheredFile(body, temp.path, this.creations.create);
    try {
      return { file, folder: await moveIntoPlace(temp.path, dest, this.dirs) };
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  /**
   * Journals a put whose body is not in its intent, and resolves once both its row and its file's bytes are durable.
   * Under load the file's fsync is handed to the pool just after the WAL's fdatasync, not before: every PUT of the
   * group commit waits for that fdatasync, only this one for its file, and libuv's pool runs them first come, first
   * served — behind 8 PUTs' file fsyncs, the batch's one shared wait started last (bench/results/put-storage.md). A
   * PUT alone (nothing committing, no fdatasync running: a lone client's) has no queue to jump: its file's fsync
   * starts at once and runs during the commit (bench/results/put-path-9.md). A failed fsync takes the change back.
   */
  private async journalOnceSynced(committed: ObjectMeta, temp: TempFile, file: WrittenFile): Promise<Intent> {
    const index = this.requireIndex();
    let fileSync = index.quiet ? file.sync() : undefined;
    // Awaited below once the journal settles; a failure before then must not count as an unhandled rejection.
    fileSync?.catch(() => undefined);
    const journaling = this.journal(
      () => index.beginPut(committed, temp.path),
      () => {
        fileSync ??= file.sync();
      },
    );
    // Waits for the file's fsync even when the journal failed: its descriptor is closed on the way out.
    const [journaled, synced] = await Promise.allSettled([
      journaling,
      journaling.then(
        () => fileSync,
        () => fileSync,
      ),
    ]);
    if (journaled.status === 'rejected') throw journaled.reason;
    if (synced.status === 'rejected') {
      this.rollBack(journaled.value);
      throw synced.reason;
    }
    return journaled.value;
  }

  /**
   * After an acknowledged put's rename: fsyncs the folder it landed in, FOLDER_FSYNC_WINDOW_MS after the first
   * rename into it (shared with the other renames into it meanwhile, and with those while it runs: durable-dirs.ts),
   * and once that and `fileSynced` (a journaled body's file fsync, started at its rename) ended, marks the intent
   * done. A journaled body with a `fileSystem` joins the next syncfs(2) of it instead (file-system-syncs.ts), which
   * makes the file's bytes and every folder between it and DATA_DIR durable at once (`fileSynced` is then its close).
   * Until then the key stays locked against writers, so that its
   * next write journals only once this one's rename is durable (the startup recovery then meets at most one pending
   * put whose rename may be lost per key, and the newest row always wins: storage-recovery.rules.ts), and so that no
   * delete removes the file and its folder before DurableDirs learns that folder (durable-dirs.ts). Readers are let
   * in at once (the lock downgraded to shared): the row and the file at the key's path agree from the rename on.
   * Other keys are not delayed. If an fsync fails, the intent stays pending and the temp file's slot folder is not
   * fsynced again in this run: the startup recovery still finds the bytes under the temp name, the key's path or,
   * for a journaled body, in the intent.
   * Shutdown waits for it (inFlight).
   */
  private settle(
    intent: Intent,
    temp: TempFile,
    folder: string,
    release: Release,
    fileSynced?: Promise<void>,
    fileSystem?: number,
  ): void {
    release.downgrade();
    const folderDurable =
      fileSystem === undefined
        ? this.folderSyncs.join(folder)
        : this.fileSystems.join(fileSystem).then(() => this.dirs.learn(folder));
    // Until the new name is durable, the temp name is what recovery would find: its slot folder is not fsynced again
    // meanwhile (temp-files.ts).
    if (temp.named) this.temps.renamedOutOf(temp, folderDurable);
    const settled = Promise.all([folderDurable, fileSynced])
      .then(
        () => this.requireIndex().markDone(intent),
        (error: unknown) =>
          this.logger.error(
            `cannot make the file of "${intent.key}" durable (${(error as Error).message}): the object stays recoverable, its intent pending for the next start`,
          ),
      )
      .finally(release);
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
  }

  /**
   * Journals a change (its row, journal entry and intent, in the next group commit) and waits until that is
   * durable. A failed fsync of the WAL takes the change back before failing: nobody is told about it, and it must
   * not stay in the journal either. `committed` runs once the change is committed and the WAL's fdatasync asked for.
   */
  private async journal<T extends Intent | undefined>(write: () => T, committed?: () => void): Promise<T> {
    const index = this.requireIndex();
    const intent = await index.batched(write);
    try {
      const durable = index.durable();
      committed?.();
      await durable;
    } catch (error) {
      if (intent) this.rollBack(intent);
      throw error;
    }
    return intent;
  }

  private uploadDir(uploadId: string): string {
    return join(this.layout.uploadsDir, uploadId);
  }

  /** The upload, if it exists and is one of `key` (S3 answers NoSuchUpload for another key's upload id). */
  private requireUpload(uploadId: string, key: string): MultipartUpload {
    objectFile(this.layout, key);
    const upload = isUploadId(uploadId) ? this.requireIndex().uploads.get(uploadId) : undefined;
    if (!upload || upload.key !== key) throw noSuchUpload(uploadId);
    return upload;
  }

  /** Rows first (the upload is gone for clients at once), then the folder; a crash between is cleaned at start. */
  private async removeUpload(uploadId: string): Promise<boolean> {
    const index = this.requireIndex();
    const removed = index.uploads.remove(uploadId);
    await index.durable();
    await rm(this.uploadDir(uploadId), { recursive: true, force: true });
    return removed;
  }

  /**
   * Takes back the row and journal entry of a write whose file step failed. On a full disk the rollback itself can
   * fail (SQLITE_FULL): it is then kept and finished before the next write (finishRollbacks), so the journal never
   * keeps a change nobody acknowledged, and a restart is not needed for that (recovery would also finish it).
   */
  private rollBack(intent: Intent): void {
    try {
      this.requireIndex().undo(intent);
    } catch (error) {
      this.rollbacks.push(intent);
      this.logger.warn(`cannot roll back the refused write of "${intent.key}" yet: ${(error as Error).message}`);
    }
  }

  /** Finishes the pending rollbacks, oldest first; throws (the disk still full) while one cannot be written. */
  private finishRollbacks(): void {
    while (this.rollbacks.length > 0) {
      this.requireIndex().undo(this.rollbacks[0]);
      this.rollbacks.shift();
    }
  }

  /** For reads (a listing, the flush's journal read): finish what can be, never fail the read for it. */
  private tryFinishRollbacks(): void {
    try {
      this.finishRollbacks();
    } catch {
      // still full: the next write reports it
    }
  }

  private requireIndex(): ObjectIndex {
    if (!this.index) throw new Error('storage is not open (onModuleInit has not run)');
    return this.index;
  }

  /** Runs a write, refusing new ones once shutdown began, so that onModuleDestroy can wait for the others. */
  private track<T>(write: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('storage is shutting down'));
    const promise = write();
    this.inFlight.add(promise);
    void promise.then(
      () => this.inFlight.delete(promise),
      () => this.inFlight.delete(promise),
    );
    return promise;
  }
}

function withoutFile(part: PartMeta & { file?: string }): PartMeta {
  const { file: _file, ...meta } = part;
  return meta;
}

/** The bytes of the parts, in order, as one stream; `onBytes` sees each chunk on its way. */
function concatFiles(files: string[], onBytes?: (chunk: Buffer) => void): Readable {
  return Readable.from(
    (async function* () {
      for (const file of files) {
        for await (const chunk of createReadStream(file)) {
          onBytes?.(chunk as Buffer);
          yield chunk as Buffer;
        }
      }
    })(),
  );
}

function noSuchKey(key: string): never {
  throw new StorageError('NoSuchKey', `No object with the key "${key}".`);
}
