import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { fullCollection, HeapRelease, RELEASE_ABOVE_BYTES } from './heap.release.js';

const MiB = 2 ** 20;

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
    const release = new HeapRelease(collect, () => heapSize, 2000);
    release.flushStarted();
    release.flushEnded();
    jest.advanceTimersByTime(1999);
    expect(collect).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(collect).toHaveBeenCalledTimes(expected);
  });

  it('collects once after several projects’ flushes in a row (the last one starts the wait)', () => {
    const collect = jest.fn();
    const release = new HeapRelease(collect, () => 300 * MiB, 2000);
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
    const release = new HeapRelease(collect, () => 300 * MiB, 2000);
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
