import { describe, expect, it } from '@jest/globals';
import { FlushPhaseClock } from './flush-phase.clock.js';

describe('FlushPhaseClock', () => {
  it('tells each phase the time since the previous mark, in order, and the total', async () => {
    const clock = new FlushPhaseClock();
    clock.mark('changes');
    await new Promise((resolve) => setTimeout(resolve, 30));
    clock.mark('objects-uploaded');
    const text = clock.toString();
    const match = /^total (\d+) ms: changes (\d+), objects-uploaded (\d+)$/.exec(text);
    expect(match).not.toBeNull();
    const [total, changes, uploaded] = match!.slice(1).map(Number);
    expect(changes).toBeLessThan(25);
    expect(uploaded).toBeGreaterThanOrEqual(25);
    expect(total).toBeGreaterThanOrEqual(changes + uploaded - 1);
  });
});
