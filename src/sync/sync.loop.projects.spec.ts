import { describe, expect, it, jest } from '@jest/globals';
import { harnessPerTest, type SyncHarness } from '../../test/support/sync-harness.js';
import { FlushSlots } from './flush-slots.gate.js';
import { SyncLoop } from './sync.loop.js';

// Several projects in one service: each project's loop flushes on its own schedule, with its own retry and
// status, and the shared slots bound how many flush at once. A project whose Git remote hangs or fails never
// delays another's flushes (nor its writes: they only append to that project's own storage journal).

const harness = harnessPerTest();

/** A project due at every look (interval 0): `tick()` stands for the schedule's one-second timer. */
function project(bucket: string, slots: FlushSlots, intervalSeconds = 0): { h: SyncHarness; loop: SyncLoop } {
  const h = harness();
  const loop = new SyncLoop({
    bucket,
    settings: { intervalSeconds, maxPending: 1_000 },
    storage: h.storage,
    state: h.state,
    pipeline: h.runner,
    slots,
  });
  return { h, loop };
}

/** Makes the project's Git server stop answering (fetches hang) until `release()`. */
function hangGit(h: SyncHarness): { fetches: () => number; release: () => void } {
  let release!: () => void;
  const answered = new Promise<void>((resolve) => (release = resolve));
  const fetchTip = h.git.fetchTip.bind(h.git);
  const spy = jest.spyOn(h.git, 'fetchTip').mockImplementation(async () => {
    await answered;
    return fetchTip();
  });
  return { fetches: () => spy.mock.calls.length, release };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('SyncLoop with several projects', () => {
  it("flushes project B on schedule, again and again, while project A's Git server hangs", async () => {
    const slots = new FlushSlots(2);
    const a = project('sentiment', slots);
    const b = project('ner', slots);
    const hung = hangGit(a.h);
    await a.h.put('a/1', 'for sentiment');
    await b.h.put('b/1', 'for ner');

    const aTick = a.loop.tick(); // hangs in its fetch
    await b.loop.tick();
    expect(b.h.pulled()).toEqual({ 'b/1': 'for ner' });
    await b.h.put('b/2', 'more for ner');
    await b.loop.tick();

    expect(b.h.pulled()).toEqual({ 'b/1': 'for ner', 'b/2': 'more for ner' });
    expect(await b.loop.status()).toMatchObject({ bucket: 'ner', pending: 0, lastError: null });
    expect(await a.loop.status()).toMatchObject({ bucket: 'sentiment', pending: 1, running: true, lastCommit: null });
    expect(a.h.git.tip).toBeNull();

    hung.release();
    await aTick;
    expect(a.h.pulled()).toEqual({ 'a/1': 'for sentiment' });
    expect(b.h.pulled()).not.toHaveProperty('a/1'); // each project's data in its own repository only
  });

  it("keeps A's failure, backoff and pending changes to A while B flushes", async () => {
    const slots = new FlushSlots(1);
    const a = project('sentiment', slots);
    const b = project('ner', slots);
    await a.h.put('a/1', 'x');
    await b.h.put('b/1', 'y');

    a.h.git.failNext('fetch');
    await a.loop.tick();
    await b.loop.tick();

    const [statusA, statusB] = [await a.loop.status(), await b.loop.status()];
    expect(statusA).toMatchObject({ pending: 1, consecutiveFailures: 1 });
    expect(statusA.lastError).toMatch(/cannot reach the git server/);
    expect(statusA.nextRetryAt).not.toBeNull();
    expect(statusB).toMatchObject({ pending: 0, consecutiveFailures: 0, lastError: null, nextRetryAt: null });
    expect(b.h.pulled()).toEqual({ 'b/1': 'y' });
  });

  it('runs at most SYNC_CONCURRENCY flushes at once; the others start as slots free up', async () => {
    const slots = new FlushSlots(2);
    const projects = ['p1', 'p2', 'p3'].map((bucket) => project(bucket, slots));
    const hung = projects.map(({ h }) => hangGit(h));
    for (const [i, { h }] of projects.entries()) await h.put(`k${i}`, `v${i}`);

    const ticks = projects.map(({ loop }) => loop.tick());
    await settle();
    expect(hung.map((git) => git.fetches())).toEqual([1, 1, 0]);

    hung[0].release();
    await ticks[0];
    await settle();
    expect(hung[2].fetches()).toBe(1); // p1's slot went to p3

    hung[1].release();
    hung[2].release();
    await Promise.all(ticks);
    expect(projects.map(({ h }) => h.pulled())).toEqual([{ k0: 'v0' }, { k1: 'v1' }, { k2: 'v2' }]);
  });

  it('spreads the schedules of projects started together over their interval (phase i/N), and keeps them spread', async () => {
    const slots = new FlushSlots(4);
    const projects = ['p0', 'p1', 'p2', 'p3'].map((bucket) => project(bucket, slots, 8));
    const clock = { now: 1_000_000 };
    const now = jest.spyOn(Date, 'now').mockImplementation(() => clock.now);
    try {
      projects.forEach(({ loop }, i) => loop.start(i / projects.length)); // p_i due after 8 s × (1 − i/4)
      const tips = () => projects.map(({ h }) => h.git.tip);
      const secondByWhich: number[] = [];
      for (let second = 1; second <= 16; second++) {
        clock.now += 1_000;
        for (const [i, { h }] of projects.entries()) await h.put(`k${second}`, `v${second} of p${i}`);
        const before = tips();
        for (const { loop } of projects) await loop.tick();
        tips().forEach((tip, i) => tip !== before[i] && secondByWhich.push(second * 10 + i));
      }
      // Each flushed every 8 s, at its own seconds: p3 at 2 and 10, p2 at 4 and 12, p1 at 6 and 14, p0 at 8 and 16.
      expect(secondByWhich).toEqual([23, 42, 61, 80, 103, 122, 141, 160]);
      expect(projects.map(({ h }) => Object.keys(h.pulled()).length)).toEqual([16, 14, 12, 10]);
    } finally {
      now.mockRestore();
    }
  });

  it('flushes every project on shutdown, each within the time limit, a hung one included', async () => {
    const slots = new FlushSlots(4);
    const a = project('sentiment', slots);
    const b = project('ner', slots);
    hangGit(a.h);
    await a.h.put('a/1', 'x');
    await b.h.put('b/1', 'y');

    const started = Date.now();
    await Promise.all([a.loop.stop(200), b.loop.stop(200)]);

    expect(Date.now() - started).toBeLessThan(2_000);
    expect(b.h.pulled()).toEqual({ 'b/1': 'y' });
    expect((await a.loop.status()).pending).toBe(1); // stays in storage, syncs at the next start
  });
});
