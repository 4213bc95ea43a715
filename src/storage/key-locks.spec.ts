import { describe, expect, it } from '@jest/globals';
import { KeyLocks, type Release } from './key-locks.js';

/** Lets every already-resolved promise callback run (no timers: the order of events is what is checked). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

function track(promise: Promise<Release>): {
  granted: () => boolean;
  release: () => Promise<void>;
  downgrade: () => Promise<void>;
} {
  let release: Release | undefined;
  void promise.then((r) => (release = r));
  return {
    granted: () => release !== undefined,
    release: async () => {
      await promise;
      release!();
      await settle();
    },
    downgrade: async () => {
      await promise;
      release!.downgrade();
      await settle();
    },
  };
}

describe('KeyLocks', () => {
  it('serializes writers of one key and lets them in first come first served', async () => {
    const locks = new KeyLocks();
    const first = track(locks.acquire(['k']));
    const second = track(locks.acquire(['k']));
    const third = track(locks.acquire(['k']));
    await settle();
    expect([first.granted(), second.granted(), third.granted()]).toEqual([true, false, false]);
    await first.release();
    expect([second.granted(), third.granted()]).toEqual([true, false]);
    await second.release();
    expect(third.granted()).toBe(true);
    await third.release();
    expect(locks.size).toBe(0);
  });

  it('lets writers of sibling keys that share a parent run together', async () => {
    const locks = new KeyLocks();
    const one = track(locks.acquire(['prefix/1'], ['prefix']));
    const two = track(locks.acquire(['prefix/2'], ['prefix']));
    await settle();
    expect([one.granted(), two.granted()]).toEqual([true, true]);
    await one.release();
    await two.release();
    expect(locks.size).toBe(0);
  });

  it('makes a writer of "a" wait for a writer of "a/b", and the reverse', async () => {
    const locks = new KeyLocks();
    const child = track(locks.acquire(['a/b'], ['a']));
    const parent = track(locks.acquire(['a']));
    const laterChild = track(locks.acquire(['a/c'], ['a']));
    await settle();
    expect([child.granted(), parent.granted(), laterChild.granted()]).toEqual([true, false, false]);
    await child.release();
    expect([parent.granted(), laterChild.granted()]).toEqual([true, false]);
    await parent.release();
    expect(laterChild.granted()).toBe(true);
    await laterChild.release();
  });

  it('lets readers share a key but not with a writer', async () => {
    const locks = new KeyLocks();
    const reader1 = track(locks.acquire([], ['k']));
    const reader2 = track(locks.acquire([], ['k']));
    const writer = track(locks.acquire(['k']));
    await settle();
    expect([reader1.granted(), reader2.granted(), writer.granted()]).toEqual([true, true, false]);
    await reader1.release();
    expect(writer.granted()).toBe(false);
    await reader2.release();
    expect(writer.granted()).toBe(true);
    await writer.release();
  });

  it('lets the readers waiting first in once a writer downgrades, and keeps writers out until it releases', async () => {
    const locks = new KeyLocks();
    const writer = track(locks.acquire(['k'], ['parent']));
    const reader1 = track(locks.acquire([], ['k']));
    const reader2 = track(locks.acquire([], ['k']));
    const nextWriter = track(locks.acquire(['k']));
    const lateReader = track(locks.acquire([], ['k']));
    await settle();
    expect([reader1.granted(), reader2.granted(), nextWriter.granted()]).toEqual([false, false, false]);
    await writer.downgrade();
    expect([reader1.granted(), reader2.granted(), nextWriter.granted()]).toEqual([true, true, false]);
    expect(lateReader.granted()).toBe(false); // behind the next writer: first come first served
    await reader1.release();
    await reader2.release();
    expect(nextWriter.granted()).toBe(false); // the downgraded writer still holds the key
    await writer.release();
    expect(nextWriter.granted()).toBe(true);
    await nextWriter.release();
    expect(lateReader.granted()).toBe(true);
    await lateReader.release();
    expect(locks.size).toBe(0);
  });

  it('does not deadlock when two requests want overlapping keys listed in different orders', async () => {
    const locks = new KeyLocks();
    const a = track(locks.acquire(['x', 'y']));
    const b = track(locks.acquire(['y', 'x']));
    await settle();
    expect([a.granted(), b.granted()]).toEqual([true, false]);
    await a.release();
    expect(b.granted()).toBe(true);
    await b.release();
    expect(locks.size).toBe(0);
  });
  it('locks keys by their identity: two keys with one identity exclude each other, others do not', async () => {
    const locks = new KeyLocks((key) => key.toLowerCase());
    const upper = track(locks.acquire(['A.json'], ['dir']));
    const lower = track(locks.acquire(['a.json'], ['DIR']));
    const other = track(locks.acquire(['b.json'], ['dir']));
    await settle();
    expect([upper.granted(), lower.granted(), other.granted()]).toEqual([true, false, true]);
    await upper.release();
    expect(lower.granted()).toBe(true);
    await lower.release();
    await other.release();
    expect(locks.size).toBe(0);
  });
});
