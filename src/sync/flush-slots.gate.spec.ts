import { describe, expect, it } from '@jest/globals';
import { FlushSlots } from './flush-slots.gate.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('FlushSlots', () => {
  it.each([1, 2, 4])('runs at most %i tasks at once, the others in arrival order', async (limit) => {
    const slots = new FlushSlots(limit);
    const gates = Array.from({ length: 6 }, deferred);
    const started: number[] = [];
    let [active, peak] = [0, 0];
    const runs = gates.map((gate, i) =>
      slots.run(async () => {
        started.push(i);
        peak = Math.max(peak, ++active);
        await gate.promise;
        active -= 1;
        return i;
      }),
    );
    await tick();
    expect(started).toEqual([...Array(limit).keys()]);
    for (const gate of gates) {
      gate.resolve();
      await tick();
    }
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(limit);
  });

  it('gives the slot of a failed task to the next one', async () => {
    const slots = new FlushSlots(1);
    const first = deferred();
    const failing = slots.run(() => first.promise);
    const second = slots.run(async () => 'second');
    first.reject(new Error('remote down'));
    await expect(failing).rejects.toThrow('remote down');
    expect(await second).toBe('second');
    expect(await slots.run(async () => 'third')).toBe('third'); // no slot was lost
  });

  it.each([0, -1, 1.5])('refuses a limit of %p', (limit) => {
    expect(() => new FlushSlots(limit)).toThrow(/positive integer/);
  });
});
