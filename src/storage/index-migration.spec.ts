import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { IndexDatabase } from './index-database.js';
import { IMPORTED_SUFFIX } from './index-migration.js';
import { LocalStorageBackend } from './local-storage.backend.js';
import { MIN_PART_SIZE } from './multipart.rules.js';
import { storageLayout } from './storage-layout.js';
import { bodyOf, putInput, readAll } from './storage-test.helpers.js';

const BUCKETS = ['alpha', 'beta'];

/**
 * An upgrade of a PROJECTS_FILE deployment: each project's own DATA_DIR/projects/<bucket>/state/storage.db is
 * imported into the shared database at start, nothing lost, seqs continuing; a crash at any point leaves one of the
 * two authoritative.
 */
describe('importing per-project index files into the shared index database', () => {
  let root: string;
  let database: IndexDatabase;
  const open: LocalStorageBackend[] = [];
  const dataDir = (bucket: string) => join(root, 'projects', bucket);
  const legacyDb = (bucket: string) => storageLayout(dataDir(bucket)).dbPath;

  async function startOwn(bucket: string): Promise<LocalStorageBackend> {
    const backend = new LocalStorageBackend({ dataDir: dataDir(bucket) });
    await backend.onModuleInit();
    open.push(backend);
    return backend;
  }
  async function startShared(bucket: string): Promise<LocalStorageBackend> {
    const backend = new LocalStorageBackend({ dataDir: dataDir(bucket), shared: { database, bucket } });
    open.push(backend);
    await backend.onModuleInit();
    return backend;
  }
  async function stopAll(): Promise<void> {
    for (const backend of open.splice(0)) await backend.onApplicationShutdown();
  }

  /** What a release before the shared database left: rows, a delete in the journal, an open multipart upload. */
  async function legacyProjects(): Promise<Record<string, string>> {
    const uploads: Record<string, string> = {};
    for (const bucket of BUCKETS) {
      const own = await startOwn(bucket);
      for (const key of ['a.json', 'b.json', 'gone.json']) await own.putObject(putInput(key, `${bucket}:${key}`));
      await own.deleteObject('gone.json');
      const { uploadId } = await own.createUpload({ key: 'big.bin', userMetadata: {} });
      await own.uploadPart({
        uploadId,
        key: 'big.bin',
        partNumber: 1,
        body: bodyOf(Buffer.alloc(MIN_PART_SIZE, 1)),
        maxSize: MIN_PART_SIZE * 2,
      });
      uploads[bucket] = uploadId;
    }
    await stopAll();
    // seq 4 (the delete) taken back, as a failed write's rollback does: the counter stays at 4, and the next
    // change must be 5 (a flush that read seq 4 before must never see it given to another change).
    for (const bucket of BUCKETS) {
      const db = new Database(legacyDb(bucket));
      db.prepare('DELETE FROM changes WHERE seq = 4').run();
      db.close();
    }
    return uploads;
  }

  beforeEach(async () => {
    Logger.overrideLogger(false);
    root = await mkdtemp(join(tmpdir(), 'index-migration-'));
    database = new IndexDatabase(join(root, 'state', 'projects.db'));
  });
  afterEach(async () => {
    await stopAll();
    await rm(root, { recursive: true, force: true });
  });

  it('imports every table of every project, keeps their rows apart, and continues their seqs', async () => {
    const uploads = await legacyProjects();
    for (const bucket of BUCKETS) {
      const storage = await startShared(bucket);
      expect((await storage.listObjects({ prefix: '', limit: 10 })).map((m) => m.key)).toEqual(['a.json', 'b.json']);
      expect(await storage.countObjects()).toBe(2);
      expect((await readAll((await storage.getObject('a.json')).body)).toString()).toBe(`${bucket}:a.json`);
      expect((await storage.changesSince(0)).map((c) => [c.seq, c.key, c.op])).toEqual([
        [1, 'a.json', 'put'],
        [2, 'b.json', 'put'],
        [3, 'gone.json', 'put'],
      ]);
      expect((await storage.listUploads({ prefix: '', limit: 10 })).map((u) => u.uploadId)).toEqual([uploads[bucket]]);
      const completed = await storage.completeUpload({
        uploadId: uploads[bucket],
        key: 'big.bin',
        parts: [
          { partNumber: 1, etag: (await storage.listParts(uploads[bucket], 'big.bin')).parts[0].md5, checksums: {} },
        ],
        maxSize: MIN_PART_SIZE * 2,
      });
      expect(completed.size).toBe(MIN_PART_SIZE);
      expect(await storage.lastSeq()).toBe(5); // not 4: that seq was given once already
      expect(existsSync(legacyDb(bucket))).toBe(false);
      expect(existsSync(legacyDb(bucket) + IMPORTED_SUFFIX)).toBe(true);
    }
    await stopAll();
    // After a restart: read from the shared database only (the old files are out of the way).
    for (const bucket of BUCKETS) {
      const storage = await startShared(bucket);
      expect((await storage.listObjects({ prefix: '', limit: 10 })).map((m) => m.key)).toEqual([
        'a.json',
        'b.json',
        'big.bin',
      ]);
    }
  });

  it('a crash after the import committed but before the rename: the shared tables stay authoritative', async () => {
    await legacyProjects();
    await copyFile(legacyDb('alpha'), join(root, 'alpha-before.db'));
    const storage = await startShared('alpha');
    await storage.putObject(putInput('after.json', 'written after the import'));
    await stopAll();
    // The old file back in place, as if the process died between the durable import and the rename.
    await rm(legacyDb('alpha') + IMPORTED_SUFFIX);
    await copyFile(join(root, 'alpha-before.db'), legacyDb('alpha'));
    const again = await startShared('alpha');
    expect((await again.listObjects({ prefix: '', limit: 10 })).map((m) => m.key)).toEqual([
      'a.json',
      'after.json',
      'b.json',
    ]);
    expect(await again.lastSeq()).toBe(5);
    expect(existsSync(legacyDb('alpha'))).toBe(false); // renamed this time
    expect(existsSync(legacyDb('alpha') + IMPORTED_SUFFIX)).toBe(true);
  });

  it('an import that fails half-way (as a crash before its commit) leaves nothing of it: the old file stays whole', async () => {
    await legacyProjects();
    // A table in the way of the bucket's: the copy of `upload_parts` fails after the other tables were copied.
    database.join();
    database.db.exec('CREATE TABLE b1_upload_parts (upload_id TEXT)');
    // Matched by message, not toThrow: better-sqlite3's SqliteError is not an Error of this test's realm once a
    // previous spec file in the same Jest worker loaded the native module (instanceof Error is then false).
    await expect(startShared('alpha')).rejects.toMatchObject({
      code: 'SQLITE_ERROR',
      message: expect.stringMatching(/no column named|has no column/),
    });
    open.splice(0);
    expect(database.bucketTables('alpha')).toBeUndefined();
    expect(database.db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'b1_%'").pluck().all()).toEqual([
      'b1_upload_parts',
    ]);
    expect(existsSync(legacyDb('alpha'))).toBe(true);
    database.db.exec('DROP TABLE b1_upload_parts');
    database.leave();
    const storage = await startShared('alpha');
    expect((await storage.listObjects({ prefix: '', limit: 10 })).map((m) => m.key)).toEqual(['a.json', 'b.json']);
    expect(await storage.lastSeq()).toBe(3);
    await storage.putObject(putInput('c.json', 'c'));
    expect(await storage.lastSeq()).toBe(5);
  });
});
