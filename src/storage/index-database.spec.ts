import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IndexDatabase } from './index-database.js';
import { LocalStorageBackend } from './local-storage.backend.js';
import { ObjectIndex } from './object-index.repository.js';
import { putInput, readAll, rowMeta as meta } from './storage-test.helpers.js';

/** Counts the database's commits (group-commit batches) and its WAL fdatasyncs (the SharedFsync's fsync calls). */
function counted(database: IndexDatabase): { commits: number; fsyncs: number } {
  const counts = { commits: 0, fsyncs: 0 };
  const transaction = database.transaction.bind(database);
  database.transaction = (work) => (counts.commits++, transaction(work));
  const walSyncs = (database as unknown as { walSyncs: { fsync: (target: string) => Promise<void> } }).walSyncs;
  const fsync = walSyncs.fsync;
  walSyncs.fsync = (target) => (counts.fsyncs++, fsync(target));
  return counts;
}

describe('IndexDatabase shared by the indexes of several buckets (PROJECTS_FILE)', () => {
  let dir: string;
  let database: IndexDatabase;
  const views: ObjectIndex[] = [];
  const open = (bucket: string): ObjectIndex => {
    database.join();
    const view = new ObjectIndex(database, database.bucketTables(bucket) ?? database.addBucket(bucket));
    views.push(view);
    return view;
  };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'index-database-'));
    database = new IndexDatabase(join(dir, 'projects.db'));
  });
  afterEach(async () => {
    views.splice(0).forEach((view) => view.close());
    await rm(dir, { recursive: true, force: true });
  });

  it("puts to two buckets in one turn share one commit and one WAL fdatasync; one bucket's refused put fails alone", async () => {
    const alpha = open('alpha');
    const beta = open('beta');
    await alpha.batched(() => alpha.beginPut(meta('x'), '/tmp/0'));
    const counts = counted(database);
    const results = await Promise.allSettled([
      alpha.batched(() => alpha.beginPut(meta('a'), '/tmp/1')),
      alpha.batched(() => alpha.beginPut(meta('x/y'), '/tmp/2')), // "x" is an object of alpha: ObjectParentIsFile
      beta.batched(() => beta.beginPut(meta('x/y'), '/tmp/3')), // beta has no "x": fine
      beta.batched(() => beta.beginPut(meta('b'), '/tmp/4')),
    ]);
    await Promise.all([alpha.durable(), beta.durable()]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'ObjectParentIsFile' });
    expect(counts).toEqual({ commits: 1, fsyncs: 1 }); // one database per bucket: 2 and 2
    // Each bucket's rows, journal and seqs are its own.
    expect(alpha.list({ prefix: '', limit: 10 }).map((m) => m.key)).toEqual(['a', 'x']);
    expect(beta.list({ prefix: '', limit: 10 }).map((m) => m.key)).toEqual(['b', 'x/y']);
    expect(alpha.changesSince(0).map((c) => [c.seq, c.key])).toEqual([
      [1, 'x'],
      [2, 'a'],
    ]);
    expect(beta.changesSince(0).map((c) => [c.seq, c.key])).toEqual([
      [1, 'x/y'],
      [2, 'b'],
    ]);
    expect([alpha.count(), beta.count()]).toEqual([2, 2]);
  });

  it('numbers buckets in a table, so that a bucket name never becomes SQL, and finds them again after a reopen', () => {
    const odd = open('a.b-c"; DROP TABLE buckets; --');
    database.transaction(() => odd.beginPut(meta('k'), '/tmp/1'));
    const other = open('other');
    views.splice(0).forEach((view) => view.close()); // the last member closes the database
    const again = open('a.b-c"; DROP TABLE buckets; --');
    expect(again.list({ prefix: '', limit: 10 }).map((m) => m.key)).toEqual(['k']);
    expect(database.bucketTables('other')).toBeDefined();
    expect(other).toBeDefined();
  });

  it('two storage backends on it: concurrent PUTs to both are durable, readable and kept apart after a restart', async () => {
    const backends = ['alpha', 'beta'].map(
      (bucket) => new LocalStorageBackend({ dataDir: join(dir, bucket), shared: { database, bucket } }),
    );
    for (const backend of backends) await backend.onModuleInit();
    const counts = counted(database);
    await Promise.all(Array.from({ length: 40 }, (_, i) => backends[i % 2].putObject(putInput(`k/${i}`, `body ${i}`))));
    // 40 PUTs over two buckets: fewer commits and fsyncs than PUTs (one per PUT per bucket without sharing).
    expect(counts.commits).toBeLessThan(40);
    expect(counts.fsyncs).toBeLessThan(40);
    for (const backend of backends) await backend.onApplicationShutdown();
    const reopened = ['alpha', 'beta'].map(
      (bucket) => new LocalStorageBackend({ dataDir: join(dir, bucket), shared: { database, bucket } }),
    );
    for (const backend of reopened) await backend.onModuleInit();
    expect(await reopened[0].countObjects()).toBe(20);
    expect(await reopened[1].countObjects()).toBe(20);
    expect((await readAll((await reopened[1].getObject('k/7')).body)).toString()).toBe('body 7');
    await expect(reopened[0].headObject('k/7')).rejects.toMatchObject({ code: 'NoSuchKey' });
    for (const backend of reopened) await backend.onApplicationShutdown();
  });

  it("says so loudly when a project's folder was deleted but its rows are still in the shared database", async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const shared = { database, bucket: 'alpha' };
      const first = new LocalStorageBackend({ dataDir: join(dir, 'alpha'), shared });
      await first.onModuleInit();
      await first.putObject(putInput('k', 'v'));
      await first.onApplicationShutdown();
      await rm(join(dir, 'alpha'), { recursive: true });
      const again = new LocalStorageBackend({ dataDir: join(dir, 'alpha'), shared });
      await again.onModuleInit();
      expect(errors.mock.calls.map(([message]) => String(message))).toEqual([
        "alpha: the project's folder is new, but the index lists 1 objects whose files are gone",
      ]);
      await again.onApplicationShutdown();
    } finally {
      errors.mockRestore();
    }
  });
});
