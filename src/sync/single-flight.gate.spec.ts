import { describe, expect, it } from '@jest/globals';
import { SingleFlight } from './single-flight.gate.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('SingleFlight', () => {
  it('never runs two tasks at once, and a request during a run gets one more run after it', async () => {
    const gates = [deferred(), deferred()];
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const flight = new SingleFlight(async () => {
      const n = runs++;
      active++;
      maxActive = Math.max(maxActive, active);
      await gates[n]?.promise;
      active--;
      return n;
    });

    const first = flight.request();
    const second = flight.request(); // arrives during run 0
    const third = flight.request(); // shares run 1 with the second
    expect(flight.running).toBe(true);
    gates[0].resolve();
    expect(await first).toBe(0);
    gates[1].resolve();
    expect(await second).toBe(1);
    expect(await third).toBe(1);
    expect(runs).toBe(2);
    expect(maxActive).toBe(1);
    await flight.idle();
    expect(flight.running).toBe(false);
  });

  it('a failed run does not block the next one', async () => {
    let calls = 0;
    const flight = new SingleFlight(async () => {
      calls++;
      if (calls === 1) throw new Error('remote down');
      return 'ok';
    });
    const failing = flight.request();
    const after = flight.request();
    await expect(failing).rejects.toThrow('remote down');
    await expect(after).resolves.toBe('ok');
  });
});
