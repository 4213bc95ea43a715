import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { SyncWindow } from './sync-window.js';

describe('SyncWindow', () => {
  let runs: string[];
  let window: SyncWindow;
  let fail: Error | undefined;
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    runs = [];
    fail = undefined;
    window = new SyncWindow(2, async (target) => {
      runs.push(target);
      if (fail) throw fail;
    });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('runs nothing before the window closes, then once for every call made in it', async () => {
    const calls = [window.join('a'), window.join('a')];
    await jest.advanceTimersByTimeAsync(1);
    calls.push(window.join('a'));
    expect(runs).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    await Promise.all(calls);
    expect(runs).toEqual(['a']);
  });

  it('keeps one window per target', async () => {
    const calls = [window.join('a'), window.join('b'), window.join('a')];
    await jest.advanceTimersByTimeAsync(2);
    await Promise.all(calls);
    expect(runs.sort()).toEqual(['a', 'b']);
  });

  it('opens a new window for a call after the last one closed: that call gets a run of its own', async () => {
    const first = window.join('a');
    await jest.advanceTimersByTimeAsync(2);
    await first;
    const second = window.join('a');
    expect(runs).toEqual(['a']);
    await jest.advanceTimersByTimeAsync(2);
    await second;
    expect(runs).toEqual(['a', 'a']);
  });

  it('gives every caller of a window the run’s failure, and the next window runs again', async () => {
    fail = new Error('EIO');
    const calls = [window.join('a'), window.join('a')].map((call) => call.catch((error: Error) => error.message));
    await jest.advanceTimersByTimeAsync(2);
    expect(await Promise.all(calls)).toEqual(['EIO', 'EIO']);
    fail = undefined;
    const next = window.join('a');
    await jest.advanceTimersByTimeAsync(2);
    await expect(next).resolves.toBeUndefined();
    expect(runs).toEqual(['a', 'a']);
  });
});
