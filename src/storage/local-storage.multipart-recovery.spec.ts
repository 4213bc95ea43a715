import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LocalStorageBackend } from './local-storage.backend.js';
import { storageLayout } from './storage-layout.js';
import { bodyOf, filesUnder, md5, readAll, tempFilesLeft } from './storage-test.helpers.js';

/** Multipart uploads across restarts, and what startup does with what a crash left under DATA_DIR/uploads. */
describe('LocalStorageBackend multipart uploads across restarts', () => {
  let dataDir: string;
  let storage: LocalStorageBackend | undefined;
  const uploadsDir = () => storageLayout(dataDir).uploadsDir;

  async function start(): Promise<LocalStorageBackend> {
    storage = new LocalStorageBackend({ dataDir });
    await storage.onModuleInit();
    return storage;
  }
  async function stop(): Promise<void> {
    await storage?.onApplicationShutdown();
    storage = undefined;
  }
  const part = (backend: LocalStorageBackend, uploadId: string, partNumber: number, body: string) =>
    backend.uploadPart({ uploadId, key: 'k', partNumber, body: bodyOf(body), maxSize: 1000 });

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'storage-multipart-'));
  });
  afterEach(async () => {
    await stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps uploads and their parts across a restart, and completes them afterwards', async () => {
    let backend = await start();
    const { uploadId } = await backend.createUpload({ key: 'k', userMetadata: {}, contentType: 'text/plain' });
    await part(backend, uploadId, 1, 'only part');
    await stop();
    backend = await start();
    const { upload, parts } = await backend.listParts(uploadId, 'k');
    expect(upload).toMatchObject({ key: 'k', contentType: 'text/plain' });
    expect(parts.map((p) => [p.partNumber, p.md5])).toEqual([[1, md5('only part')]]);
    await backend.completeUpload({
      uploadId,
      key: 'k',
      parts: [{ partNumber: 1, etag: md5('only part'), checksums: {} }],
      maxSize: 1000,
    });
    expect((await readAll((await backend.getObject('k')).body)).toString()).toBe('only part');
    // Completed: no folder of it is left behind.
    expect(await readdir(uploadsDir())).toEqual([]);
  });

  it('removes what a crash left: unrecorded part files, folders of unknown uploads; drops rows without a file', async () => {
    let backend = await start();
    const { uploadId } = await backend.createUpload({ key: 'k', userMetadata: {} });
    await part(backend, uploadId, 1, 'kept');
    await part(backend, uploadId, 2, 'file lost');
    await stop();
    const dir = join(uploadsDir(), uploadId);
    const [kept, lost] = (await readdir(dir)).sort(); // "1.<uuid>", "2.<uuid>"
    await unlink(join(dir, lost));
    await writeFile(join(dir, '3.unrecorded'), 'written, never recorded'); // crash between the fsync and the row
    await mkdir(join(uploadsDir(), 'f'.repeat(32)));
    await writeFile(join(uploadsDir(), 'f'.repeat(32), '1.x'), 'upload completed or aborted just before the crash');

    backend = await start();
    expect(await filesUnder(uploadsDir())).toEqual([`${uploadId}/${kept}`]);
    expect((await backend.listParts(uploadId, 'k')).parts.map((p) => p.partNumber)).toEqual([1]);
    const missing = backend.completeUpload({
      uploadId,
      key: 'k',
      parts: [
        { partNumber: 1, etag: md5('kept'), checksums: {} },
        { partNumber: 2, etag: md5('file lost'), checksums: {} },
      ],
      maxSize: 1000,
    });
    await expect(missing).rejects.toMatchObject({ code: 'InvalidPart' });
  });

  it('adds the multipart column to a database made before it, keeping the objects', async () => {
    const layout = storageLayout(dataDir);
    await mkdir(layout.stateDir, { recursive: true });
    const db = new Database(layout.dbPath);
    db.exec(
      `CREATE TABLE objects (key BLOB PRIMARY KEY NOT NULL, size INTEGER NOT NULL, md5 TEXT NOT NULL,
        last_modified INTEGER NOT NULL, content_type TEXT, content_encoding TEXT, content_disposition TEXT,
        content_language TEXT, cache_control TEXT, expires TEXT, user_metadata TEXT NOT NULL, checksums TEXT NOT NULL,
        seq INTEGER NOT NULL) WITHOUT ROWID`,
    );
    db.prepare(`INSERT INTO objects VALUES (?, 3, ?, 0, NULL, NULL, NULL, NULL, NULL, NULL, '{}', '{}', 1)`).run(
      Buffer.from('old'),
      md5('old'),
    );
    db.close();
    await mkdir(layout.objectsDir, { recursive: true });
    await writeFile(join(layout.objectsDir, 'old'), 'old');
    const backend = await start();
    expect(await backend.headObject('old')).toMatchObject({ size: 3, md5: md5('old') });
    expect((await backend.headObject('old')).multipart).toBeUndefined();
    const { uploadId } = await backend.createUpload({ key: 'k', userMetadata: {} });
    await part(backend, uploadId, 1, 'new');
    const meta = await backend.completeUpload({
      uploadId,
      key: 'k',
      parts: [{ partNumber: 1, etag: md5('new'), checksums: {} }],
      maxSize: 1000,
    });
    expect((await backend.headObject('k')).multipart).toEqual(meta.multipart);
  });

  it('leaves no temp file of a completion that failed', async () => {
    const backend = await start();
    const { uploadId } = await backend.createUpload({ key: 'k', userMetadata: {} });
    await part(backend, uploadId, 1, 'abc');
    await expect(
      backend.completeUpload({
        uploadId,
        key: 'k',
        parts: [{ partNumber: 1, etag: md5('abc'), checksums: {} }],
        maxSize: 1000,
        checksums: () => Promise.reject(new Error('BadDigest')),
      }),
    ).rejects.toThrow('BadDigest');
    expect(await tempFilesLeft(storageLayout(dataDir).tmpDir)).toEqual([]);
    expect((await backend.listParts(uploadId, 'k')).parts).toHaveLength(1);
  });
});
