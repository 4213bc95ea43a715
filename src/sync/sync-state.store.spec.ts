import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyncStateStore } from './sync-state.store.js';

const dirs: string[] = [];
const open = (dataDir: string) => new SyncStateStore({ dataDir });
function fresh(): { dataDir: string; state: SyncStateStore } {
  const dataDir = mkdtempSync(join(tmpdir(), 'sync-state-'));
  dirs.push(dataDir);
  return { dataDir, state: open(dataDir) };
}
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const item = (id: string) => ({ id, hash: `h-${id}`, value: JSON.stringify({ id }) });

describe('SyncStateStore', () => {
  it('starts empty and keeps what a push recorded across a restart', async () => {
    const { dataDir, state } = fresh();
    expect(state.progress()).toMatchObject({ syncedSeq: 0, lastCommit: null, consecutiveFailures: 0, rejected: [] });

    await state.recordPush({
      progress: {
        syncedSeq: 7,
        lastCommit: 'abc',
        pushedDatasetHash: 'd.dir',
        rejected: [{ key: 'x', reason: 'not JSON' }],
      },
      upsert: [item('1'), item('2')],
      remove: [],
      keyItems: new Map([
        ['k1', ['1']],
        ['k2', ['2']],
      ]),
    });
    state.close();

    const again = open(dataDir);
    expect(again.progress()).toMatchObject({
      syncedSeq: 7,
      lastCommit: 'abc',
      pushedDatasetHash: 'd.dir',
      rejected: [{ key: 'x', reason: 'not JSON' }],
    });
    expect([...again.items().keys()].sort()).toEqual(['1', '2']);
    expect(again.itemsOfKeys(['k1', 'k2', 'unknown'])).toEqual(
      new Map([
        ['k1', ['1']],
        ['k2', ['2']],
        ['unknown', []],
      ]),
    );
    again.close();
  });

  it.each([
    { name: 'an incremental push', flags: {}, items: ['1', '3'], links: { k1: ['1'], k2: [], k3: ['3'] } },
    {
      name: 'a merge (all items, some keys)',
      flags: { replaceAll: true },
      items: ['3', '9'],
      links: { k1: ['1'], k2: [], k3: ['3'] },
    },
    {
      name: 'a full rebuild (all items, all keys)',
      flags: { replaceAll: true, replaceKeyItems: true },
      items: ['3', '9'],
      links: { k1: [], k2: [], k3: ['3'] },
    },
  ])('$name', async ({ flags, items, links }) => {
    const { state } = fresh();
    await state.recordPush({
      progress: { syncedSeq: 1 },
      upsert: [item('1'), item('2')],
      remove: [],
      keyItems: new Map([
        ['k1', ['1']],
        ['k2', ['2']],
      ]),
    });

    const upsert = flags.replaceAll ? [item('3'), item('9')] : [item('3')];
    await state.recordPush({
      progress: { syncedSeq: 2 },
      upsert,
      remove: flags.replaceAll ? [] : ['2'],
      keyItems: new Map([
        ['k2', []],
        ['k3', ['3']],
      ]),
      ...flags,
    });

    expect([...state.items().keys()].sort()).toEqual(items);
    expect(Object.fromEntries(state.itemsOfKeys(['k1', 'k2', 'k3']))).toEqual(links);
    expect(state.progress().syncedSeq).toBe(2);
    state.close();
  });

  it('records a big push a slice per turn: timers run, readers see the last push until the commit, a close rolls back', async () => {
    const { dataDir, state } = fresh();
    await state.recordPush({ progress: { syncedSeq: 1 }, upsert: [item('old')], remove: [], keyItems: new Map() });
    const many = Array.from({ length: 12_000 }, (_, i) => item(String(i)));
    const big = { progress: { syncedSeq: 2 }, upsert: many, remove: [], keyItems: new Map(), replaceAll: true };

    let ticks = 0;
    const seen: number[] = [];
    const timer = setInterval(() => {
      ticks++;
      seen.push(state.progress().syncedSeq);
    }, 0);
    try {
      await state.recordPush(big);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
    // The last push while the rows are written; the new one once committed (while its WAL is fsynced), never back.
    expect(seen.filter((seq) => seq === 1).length).toBeGreaterThan(1);
    expect(seen).toEqual([...seen].sort());
    expect(seen.every((seq) => seq === 1 || seq === 2)).toBe(true);
    expect(state.progress().syncedSeq).toBe(2);
    expect(state.items().size).toBe(12_000);

    // Closed in the middle (a shutdown; for SQLite a crash is the same): nothing of that push stays.
    const others = Array.from({ length: 12_000 }, (_, i) => item(`other ${i}`));
    const interrupted = state.recordPush({ ...big, progress: { syncedSeq: 3 }, upsert: others });
    await new Promise((resolve) => setImmediate(resolve));
    state.close();
    await expect(interrupted).rejects.toThrow();
    const again = open(dataDir);
    expect(again.progress().syncedSeq).toBe(2);
    expect(again.items().size).toBe(12_000);
    expect(again.items().has('0')).toBe(true);
    again.close();
  });
});
