import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GroupCommit } from './group-commit.js';
import { IndexDatabase } from './index-database.js';
import { rowMeta as meta } from './storage-test.helpers.js';
import { ObjectIndex } from './object-index.repository.js';
import { StorageError } from './storage.errors.js';

const refusal = (error: unknown) => error instanceof StorageError;

describe('GroupCommit over the real index', () => {
  let dir: string;
  let database: IndexDatabase;
  let index: ObjectIndex;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'group-commit-'));
    database = new IndexDatabase(join(dir, 'storage.db'));
    database.join();
    index = new ObjectIndex(database, database.soleTables());
  });
  afterEach(async () => {
    index.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers each request of a batch on its own: a refused one leaves no row and no journal entry', async () => {
    const group = database.writes;
    const results = await Promise.allSettled([
      group.run(() => index.beginPut(meta('a'), '/tmp/1')),
      group.run(() => index.beginPut(meta('a/b'), '/tmp/2')),
      group.run(() => index.beginPut(meta('c'), '/tmp/3')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'ObjectParentIsFile' });
    expect(index.list({ prefix: '', limit: 10 }).map((m) => m.key)).toEqual(['a', 'c']);
    expect(index.changesSince(0).map((c) => c.key)).toEqual(['a', 'c']);
    expect(index.pendingIntents().map((i) => i.key)).toEqual(['a', 'c']);
  });

  it('rejects every request of a batch whose commit fails, and keeps none of them', async () => {
    const diskError = new Error('disk I/O error');
    const group = new GroupCommit(
      (batch) =>
        database.transaction(() => {
          batch();
          throw diskError;
        }),
      refusal,
    );
    const results = await Promise.allSettled([
      group.run(() => index.beginPut(meta('x'), '/tmp/1')),
      group.run(() => index.beginPut(meta('y'), '/tmp/2')),
    ]);
    expect(results).toEqual([
      { status: 'rejected', reason: diskError },
      { status: 'rejected', reason: diskError },
    ]);
    expect(index.count()).toBe(0);
    expect(index.lastSeq()).toBe(0);
  });

  it('takes the whole batch back when a write fails after the request wrote part of its rows', async () => {
    // The intent of "bad" is refused by the database itself (as a full disk would refuse it), after its journal
    // entry and object row were written: none of them, nor the batch's other puts, may be committed.
    database.db.exec(`CREATE TEMP TRIGGER fail_bad BEFORE INSERT ON intents WHEN NEW.key = CAST('bad' AS BLOB)
      BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    const results = await Promise.allSettled([
      database.writes.run(() => index.beginPut(meta('a'), '/tmp/1')),
      database.writes.run(() => index.beginPut(meta('bad'), '/tmp/2')),
      database.writes.run(() => index.beginPut(meta('c'), '/tmp/3')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ message: 'database or disk is full' });
    expect(index.count()).toBe(0);
    expect(index.lastSeq()).toBe(0);
    expect(index.pendingIntents()).toEqual([]);
    database.db.exec('DROP TRIGGER fail_bad');
    await database.writes.run(() => index.beginPut(meta('after'), '/tmp/4'));
    expect(index.list({ prefix: '', limit: 10 }).map((m) => m.key)).toEqual(['after']);
  });

  it('keeps working after a batch: later requests form a new one', async () => {
    const group = database.writes;
    await group.run(() => index.beginPut(meta('first'), '/tmp/1'));
    await group.run(() => index.beginPut(meta('second'), '/tmp/2'));
    expect(index.changesSince(0).map((c) => [c.seq, c.key])).toEqual([
      [1, 'first'],
      [2, 'second'],
    ]);
  });

  it('holds its next batch while paused, then commits everything that arrived meanwhile in one transaction', async () => {
    let release!: () => void;
    let pause: Promise<void> | undefined = new Promise<void>((resolve) => (release = resolve));
    let transactions = 0;
    const group = new GroupCommit(
      (batch) => {
        transactions++;
        database.transaction(batch);
      },
      refusal,
      () => pause,
    );
    const first = group.run(() => index.beginPut(meta('p1'), '/tmp/1'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = group.run(() => index.beginPut(meta('p2'), '/tmp/2'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(transactions).toBe(0);
    expect(index.get('p1')).toBeUndefined();
    pause = undefined;
    release();
    await Promise.all([first, second]);
    expect(transactions).toBe(1);
    expect(index.list({ prefix: '', limit: 10 }).map((m) => m.key)).toEqual(['p1', 'p2']);
  });

  it('is quiet only while no write waits for a commit and no fdatasync of the WAL runs', async () => {
    expect(database.quiet).toBe(true);
    const write = index.batched(() => index.beginPut(meta('q'), '/tmp/1'));
    expect(database.quiet).toBe(false); // the write waits for this turn's commit
    await write;
    expect(database.quiet).toBe(true);
    const durable = index.durable();
    expect(database.quiet).toBe(false); // its fdatasync runs (on libuv's pool: it cannot have ended yet)
    await durable;
    expect(database.quiet).toBe(true);
  });
});
