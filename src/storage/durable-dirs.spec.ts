import { describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fsyncDir } from '../common/fsync-dir.js';
import { DurableDirs } from './durable-dirs.js';

const ROOT = '/data/objects';

/** A fake fsync that records each call and completes only when the test says so. */
class FsyncLog {
  readonly calls: string[] = [];
  private readonly pending: Array<{ dir: string; finish: (error?: Error) => void }> = [];

  readonly fsync = (dir: string): Promise<void> => {
    this.calls.push(dir);
    return new Promise<void>((resolve, reject) =>
      this.pending.push({ dir, finish: (error) => (error ? reject(error) : resolve()) }),
    );
  };

  /** Completes the running fsyncs (of `dir`, or all), then lets their callers run. */
  async finish(dir?: string, error?: Error): Promise<void> {
    for (const call of this.pending.filter((p) => dir === undefined || p.dir === dir)) {
      this.pending.splice(this.pending.indexOf(call), 1);
      call.finish(error);
    }
    await nextTurn();
  }

  get running(): string[] {
    return this.pending.map((p) => p.dir);
  }
}

/** Settles `promise` into a flag the test can look at without awaiting it. */
function watch(promise: Promise<unknown>): { done: boolean; failed?: unknown } {
  const state: { done: boolean; failed?: unknown } = { done: false };
  promise.then(
    () => (state.done = true),
    (error: unknown) => (state.failed = error),
  );
  return state;
}

describe('DurableDirs', () => {
  it('fsyncs the receiving folder and, the first time, the parent of each level up to the root', async () => {
    const log = new FsyncLog();
    const dirs = new DurableDirs(ROOT, log.fsync);
    const first = watch(dirs.entryMadeIn(`${ROOT}/a/b`));
    await nextTurn();
    expect([...log.calls].sort()).toEqual([ROOT, `${ROOT}/a`, `${ROOT}/a/b`]);
    await log.finish();
    expect(first.done).toBe(true);
    expect([dirs.isKnown(`${ROOT}/a`), dirs.isKnown(`${ROOT}/a/b`)]).toEqual([true, true]);

    log.calls.length = 0;
    const second = watch(dirs.entryMadeIn(`${ROOT}/a/b`));
    await nextTurn();
    expect(log.calls).toEqual([`${ROOT}/a/b`]); // the levels above are known durable now
    await log.finish();
    expect(second.done).toBe(true);
  });

  it('learns a folder and every level above it from a sync of the whole file system, and fsyncs none of them', async () => {
    const log = new FsyncLog();
    const dirs = new DurableDirs(ROOT, log.fsync);
    dirs.learn(`${ROOT}/a/b/c`);
    expect([`${ROOT}/a`, `${ROOT}/a/b`, `${ROOT}/a/b/c`].map((d) => dirs.isKnown(d))).toEqual([true, true, true]);
    expect(dirs.isKnown(`${ROOT}/a/x`)).toBe(false); // a sibling was not covered
    dirs.learn(`${ROOT}/../elsewhere`); // outside the root: nothing to learn
    expect(dirs.isKnown(`${ROOT}/../elsewhere`)).toBe(false);
    expect(log.calls).toEqual([]);

    const next = watch(dirs.entryMadeIn(`${ROOT}/a/b/c`));
    await nextTurn();
    expect(log.calls).toEqual([`${ROOT}/a/b/c`]); // only the folder receiving the entry
    await log.finish();
    expect(next.done).toBe(true);
  });

  it('fsyncs only the root for a file placed directly in it', async () => {
    const log = new FsyncLog();
    const dirs = new DurableDirs(ROOT, log.fsync);
    const placed = watch(dirs.entryMadeIn(ROOT));
    await nextTurn();
    expect(log.calls).toEqual([ROOT]);
    await log.finish();
    expect(placed.done).toBe(true);
  });

  it('does not let a put trust a folder that a concurrent put created and has not made durable yet', async () => {
    const log = new FsyncLog();
    const dirs = new DurableDirs(ROOT, log.fsync);
    // Put A created ROOT/new (mkdir -p); put B found it there (mkdir -p reports nothing created for B).
    const a = watch(dirs.entryMadeIn(`${ROOT}/new`));
    const b = watch(dirs.entryMadeIn(`${ROOT}/new`));
    await nextTurn();
    await log.finish(`${ROOT}/new`); // both renames are in the folder's fsyncs...
    await log.finish(`${ROOT}/new`);
    expect(log.running).toEqual([ROOT]); // ...but the folder's own entry is still being made durable
    expect(a.done || b.done).toBe(false);
    await log.finish(ROOT);
    await log.finish(ROOT);
    expect(a.done && b.done).toBe(true);
  });

  it('waits for an fsync that starts after the call, and groups every caller that arrives meanwhile into it', async () => {
    const log = new FsyncLog();
    const dirs = new DurableDirs(ROOT, log.fsync);
    const first = watch(dirs.sync(ROOT));
    const later = [watch(dirs.sync(ROOT)), watch(dirs.sync(ROOT)), watch(dirs.sync(ROOT))];
    await nextTurn();
    expect(log.calls).toEqual([ROOT]); // one running; the later callers wait for the next one
    await log.finish(ROOT);
    expect(first.done).toBe(true);
    expect(later.some((w) => w.done)).toBe(false); // the first fsync may have started before their renames
    expect(log.calls).toEqual([ROOT, ROOT]);
    await log.finish(ROOT);
    expect(later.every((w) => w.done)).toBe(true);
    expect(log.calls).toHaveLength(2);
    expect(log.running).toEqual([]);
  });

  it('keeps fsyncs of different folders independent', async () => {
    const log = new FsyncLog();
    const dirs = new DurableDirs(ROOT, log.fsync);
    const x = watch(dirs.sync(`${ROOT}/x`));
    const y = watch(dirs.sync(`${ROOT}/y`));
    await nextTurn();
    await log.finish(`${ROOT}/y`);
    expect([x.done, y.done]).toEqual([false, true]);
    await log.finish(`${ROOT}/x`);
    expect(x.done).toBe(true);
  });

  it('fails the callers of a failed fsync, and serves the next ones with a new fsync', async () => {
    const log = new FsyncLog();
    const dirs = new DurableDirs(ROOT, log.fsync);
    const failing = watch(dirs.entryMadeIn(`${ROOT}/d`));
    await nextTurn();
    await log.finish(ROOT, new Error('EIO'));
    await log.finish();
    expect((failing.failed as Error).message).toBe('EIO');
    expect(dirs.isKnown(`${ROOT}/d`)).toBe(false); // not learned: the next put into it fsyncs the root again

    log.calls.length = 0;
    const retry = watch(dirs.entryMadeIn(`${ROOT}/d`));
    await nextTurn();
    expect([...log.calls].sort()).toEqual([ROOT, `${ROOT}/d`]);
    await log.finish();
    expect(retry.done).toBe(true);
  });

  it('makes the parent durable again for a folder forgotten before its removal', async () => {
    const log = new FsyncLog();
    const dirs = new DurableDirs(ROOT, log.fsync);
    const first = dirs.entryMadeIn(`${ROOT}/p`);
    await nextTurn();
    await log.finish();
    await first;
    dirs.forget(`${ROOT}/p`); // a delete is about to rmdir it; a put may create it again
    log.calls.length = 0;
    const again = dirs.entryMadeIn(`${ROOT}/p`);
    await nextTurn();
    expect([...log.calls].sort()).toEqual([ROOT, `${ROOT}/p`]);
    await log.finish();
    await again;
  });

  it('after an unlink in a folder a concurrent delete already pruned, fsyncs the nearest folder still there', async () => {
    const root = await mkdtemp(join(tmpdir(), 'durable-dirs-'));
    try {
      await mkdir(join(root, 'kept'));
      const synced: string[] = [];
      const dirs = new DurableDirs(root, async (dir) => {
        synced.push(dir);
        await fsyncDir(dir);
      });
      await dirs.entryRemovedFrom(join(root, 'kept', 'pruned', 'deeper'));
      expect(synced).toEqual([
        join(root, 'kept', 'pruned', 'deeper'),
        join(root, 'kept', 'pruned'),
        join(root, 'kept'),
      ]);
      await expect(dirs.entryRemovedFrom(join(root, 'kept'))).resolves.toBeUndefined();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('forgets everything past its bound rather than grow without end (costs fsyncs, never safety)', async () => {
    const dirs = new DurableDirs(ROOT, async () => undefined);
    for (let i = 0; i < 65_536; i++) await dirs.entryMadeIn(`${ROOT}/d${i}`);
    expect([dirs.isKnown(`${ROOT}/d0`), dirs.isKnown(`${ROOT}/d65535`)]).toEqual([true, true]);
    await dirs.entryMadeIn(`${ROOT}/one-more`);
    expect([dirs.isKnown(`${ROOT}/d0`), dirs.isKnown(`${ROOT}/d65535`)]).toEqual([false, false]);
    expect(dirs.isKnown(`${ROOT}/one-more`)).toBe(true);
  });
});
