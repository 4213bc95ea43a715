import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSystemSyncs } from './file-system-syncs.js';

describe('FileSystemSyncs', () => {
  let root: string;
  let calls: string[];
  let available: boolean;
  let syncs: FileSystemSyncs;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'fs-syncs-'));
    await mkdir(join(root, 'project-1'));
    await mkdir(join(root, 'project-2'));
    calls = [];
    available = true;
    syncs = new FileSystemSyncs(
      async (path) => {
        calls.push(path);
        return available;
      },
      () => available,
      2,
    );
  });
  afterEach(async () => {
    jest.useRealTimers();
    await rm(root, { recursive: true, force: true });
  });

  it('shares one sync per window among the buckets whose folders are on one file system', async () => {
    const first = await syncs.register(join(root, 'project-1'));
    const second = await syncs.register(join(root, 'project-2'));
    expect(first).toBeDefined();
    expect(second).toBe(first); // the same device
    expect(calls).toEqual([]); // registering syncs nothing

    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    const joined = [syncs.join(first!), syncs.join(second!)];
    expect(calls).toEqual([]); // not before the window closes
    await jest.advanceTimersByTimeAsync(2);
    await Promise.all(joined);
    expect(calls).toEqual([join(root, 'project-1')]); // one call, on the first folder registered
  });

  it('runs one sync of a file system at a time: a window closing while one runs waits, then shares the next', async () => {
    let finish: (() => void) | undefined;
    let running = 0;
    let most = 0;
    syncs = new FileSystemSyncs(
      async (path) => {
        calls.push(path);
        most = Math.max(most, ++running);
        if (calls.length === 1) await new Promise<void>((resolve) => (finish = resolve)); // a slow disk
        running--;
        return true;
      },
      () => true,
      2,
    );
    const device = (await syncs.register(root))!;
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    let firstDone = false;
    const first = syncs.join(device).then(() => (firstDone = true));
    await jest.advanceTimersByTimeAsync(2);
    expect(calls).toHaveLength(1); // running, held
    // Two more windows open and close while it runs: their callers share one sync, after it.
    let laterDone = 0;
    const second = syncs.join(device).then(() => laterDone++);
    await jest.advanceTimersByTimeAsync(2);
    const third = syncs.join(device).then(() => laterDone++);
    await jest.advanceTimersByTimeAsync(2);
    expect(calls).toHaveLength(1);
    expect([firstDone, laterDone]).toEqual([false, 0]);
    finish!();
    await Promise.all([first, second, third]);
    expect(calls).toHaveLength(2);
    expect(most).toBe(1);
  });

  it('registers nothing where syncfs(2) cannot be called, so that the caller fsyncs file by file', async () => {
    available = false;
    await expect(syncs.register(join(root, 'project-1'))).resolves.toBeUndefined();
  });

  it('fails the callers of a window whose sync failed, and runs the next window anew', async () => {
    const device = (await syncs.register(root))!;
    available = false; // the call reports that it could not be made: nothing is durable
    await expect(syncs.join(device)).rejects.toThrow(/syncfs\(2\) is no longer available/);
    available = true;
    await expect(syncs.join(device)).resolves.toBeUndefined();
  });
});
