import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  fullCollection,
  HeapRelease,
  reducesMemory,
  RELEASE_ABOVE_BYTES,
  RELEASE_BUSY_BELOW,
  RELEASE_GROWN_ABOVE_BYTES,
} from './heap.release.js';

const MiB = 2 ** 20;
/** An event loop that ran nothing meanwhile. */
const idleLoop = () => () => 0;

describe('HeapRelease', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it.each([
    ['after a first sync of 100,000 objects', 1, 400 * MiB],
    ['just above the bound', 1, RELEASE_ABOVE_BYTES + 1],
    ['at the bound', 0, RELEASE_ABOVE_BYTES],
    ['a small dataset', 0, 70 * MiB],
  ])('%s → %i collection(s), once the service is quiet', (_name, expected, heapSize) => {
    const collect = jest.fn();
    const release = new HeapRelease(collect, () => heapSize, 2000, idleLoop);
    release.flushStarted();
    release.flushEnded();
    jest.advanceTimersByTime(1999);
    expect(collect).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(collect).toHaveBeenCalledTimes(expected);
  });

  it('collects once after several projects’ flushes in a row (the last one starts the wait)', () => {
    const collect = jest.fn();
    const release = new HeapRelease(collect, () => 300 * MiB, 2000, idleLoop);
    for (let project = 0; project < 10; project++) {
      release.flushStarted();
      release.flushEnded();
      jest.advanceTimersByTime(1500);
    }
    expect(collect).not.toHaveBeenCalled();
    jest.advanceTimersByTime(500);
    expect(collect).toHaveBeenCalledTimes(1);
  });

  it('never collects while a flush runs: one starting cancels it, the last one ending schedules it again', () => {
    const collect = jest.fn();
    const release = new HeapRelease(collect, () => 300 * MiB, 2000, idleLoop);
    release.flushStarted(); // project A
    release.flushStarted(); // project B
    release.flushEnded(); // A done, B still running
    jest.advanceTimersByTime(5000);
    expect(collect).not.toHaveBeenCalled();
    release.flushEnded(); // B done
    jest.advanceTimersByTime(1000);
    release.flushStarted(); // the next flush, within the quiet time
    jest.advanceTimersByTime(5000);
    expect(collect).not.toHaveBeenCalled();
    release.flushEnded();
    jest.advanceTimersByTime(2000);
    expect(collect).toHaveBeenCalledTimes(1);
  });

  it('tells the collection the largest heap a flush left since the last one, even if it shrank during the wait', () => {
    const collect = jest.fn<(grownTo: number) => void>();
    // Committed heap at each flush's end: three projects' first syncs, then (after the collection) a small flush.
    const committed = [150 * MiB, 186 * MiB, 170 * MiB, 90 * MiB];
    const release = new HeapRelease(
      collect,
      () => 300 * MiB,
      2000,
      idleLoop,
      () => committed.shift()!,
    );
    for (let project = 0; project < 3; project++) {
      release.flushStarted();
      release.flushEnded();
    }
    jest.advanceTimersByTime(2000);
    expect(collect.mock.calls).toEqual([[186 * MiB]]);
    release.flushStarted();
    release.flushEnded();
    jest.advanceTimersByTime(2000);
    expect(collect.mock.calls).toEqual([[186 * MiB], [90 * MiB]]);
  });

  it('waits while requests keep the event loop busy, and collects after the first quiet time', () => {
    const collect = jest.fn();
    // The busy share of each wait, in order: PUTs after the flush, still PUTs, then quiet.
    const shares = [0.6, RELEASE_BUSY_BELOW, RELEASE_BUSY_BELOW - 0.01];
    const measures: number[] = [];
    const release = new HeapRelease(
      collect,
      () => 300 * MiB,
      2000,
      () => {
        const share = shares[measures.length];
        measures.push(share);
        return () => share;
      },
    );
    release.flushStarted();
    release.flushEnded();
    jest.advanceTimersByTime(4000);
    expect(collect).not.toHaveBeenCalled();
    expect(measures).toHaveLength(3); // each wait measures its own time, from its start
    jest.advanceTimersByTime(1999);
    expect(collect).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(collect).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(10_000);
    expect(collect).toHaveBeenCalledTimes(1);
  });

  it('a flush starting while it waits for quiet cancels it', () => {
    const collect = jest.fn();
    const release = new HeapRelease(
      collect,
      () => 300 * MiB,
      2000,
      () => () => 0.5,
    );
    release.flushStarted();
    release.flushEnded();
    jest.advanceTimersByTime(3000); // postponed once, waiting again
    release.flushStarted();
    jest.advanceTimersByTime(60_000);
    expect(collect).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('the event loop measure HeapRelease uses by default', () => {
  it('collects after a quiet time on a real event loop, and not after one spent busy', async () => {
    const quiet = jest.fn();
    new HeapRelease(quiet, () => 300 * MiB, 200).flushEnded();
    // Jest's own work may fill a wait now and then: a later quiet one collects.
    for (let waited = 0; quiet.mock.calls.length === 0 && waited < 5000; waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(quiet).toHaveBeenCalledTimes(1);

    const busy = jest.fn();
    const release = new HeapRelease(busy, () => 300 * MiB, 200);
    release.flushEnded();
    const until = performance.now() + 250;
    while (performance.now() < until); // the loop busy through the whole wait
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(busy).not.toHaveBeenCalled();
    release.flushStarted(); // cancels the next wait
  });
});

describe('reducesMemory: the memory-reducing pass after the full collection', () => {
  it.each([
    // committed heap before and after the full collection (MiB)
    ['a first sync of 100,000 objects: the heap stays big', 440, 170, true],
    ['10 projects’ first syncs, the heap brought below the bound: its freed pages stay resident', 159, 90, true],
    ['just past the grown bound', RELEASE_GROWN_ABOVE_BYTES / MiB + 1, 60, true],
    ['at the grown bound', RELEASE_GROWN_ABOVE_BYTES / MiB, 60, false],
    ['just above RELEASE_ABOVE_BYTES left', RELEASE_ABOVE_BYTES / MiB + 2, RELEASE_ABOVE_BYTES / MiB + 1, true],
    ['incremental flushes of 100,000 files: a regrowth saved', 100, 77, false],
    ['a small project’s flushes', 90, 59, false],
  ])('%s (%i → %i MiB) → %s', (_name, before, after, expected) => {
    expect(reducesMemory(before * MiB, after * MiB)).toBe(expected);
  });
});

describe('fullCollection', () => {
  it('gives the garbage of a big job back: the committed heap shrinks', () => {
    // Garbage of a big job: unreachable once this function returns.
    const grown = (() => {
      const garbage = Array.from({ length: 1_500_000 }, (_, i) => ({ key: `k${i}` }));
      expect(garbage.length).toBe(1_500_000);
      return process.memoryUsage().heapTotal;
    })();
    fullCollection();
    const after = process.memoryUsage();
    expect(after.heapTotal).toBeLessThan(grown - 50 * 2 ** 20);
  });
});
