import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { fullCollection, HeapRelease, RELEASE_AFTER_CHANGES } from './heap.release.js';
import type { FlushSummary } from './sync-status.types.js';

const flush = (added: number, updated = 0, deleted = 0): FlushSummary => ({
  commit: 'c0ffee',
  added,
  updated,
  deleted,
  uploadedObjects: added + updated,
  rebases: 0,
  merged: false,
  durationMs: 1,
  finishedAt: new Date(0).toISOString(),
});

describe('HeapRelease', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it.each([
    ['a first sync of 100,000 objects', 1, flush(100_000)],
    ['exactly the threshold, counting every kind of change', 1, flush(RELEASE_AFTER_CHANGES - 2, 1, 1)],
    ['100 changes', 0, flush(0, 100)],
    ['nothing to commit', 0, flush(0)],
  ])('%s → %i collection(s), once the service is quiet', (_name, expected, summary) => {
    const collect = jest.fn();
    new HeapRelease(collect, 2000).afterFlush(summary);
    jest.advanceTimersByTime(1999);
    expect(collect).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(collect).toHaveBeenCalledTimes(expected);
  });

  it('collects once after several projects’ big flushes in a row (the last one starts the wait)', () => {
    const collect = jest.fn();
    const release = new HeapRelease(collect, 2000);
    for (let project = 0; project < 10; project++) {
      release.afterFlush(flush(10_000));
      jest.advanceTimersByTime(1500);
    }
    expect(collect).not.toHaveBeenCalled();
    jest.advanceTimersByTime(500);
    expect(collect).toHaveBeenCalledTimes(1);
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
