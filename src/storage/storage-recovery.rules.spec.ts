import { describe, expect, it } from '@jest/globals';
import { putRecovery, type PutFound, type PutRecovery } from './storage-recovery.rules.js';

describe('putRecovery: what the startup recovery does with a pending put', () => {
  // [what the crash left, what recovery does, the moment of the put that leaves it]
  const table: Array<[PutFound, PutRecovery, string]> = [
    [
      { ownsRow: true, tempHoldsBytes: true, destHoldsBytes: false },
      'roll-forward',
      'acknowledged, the rename lost with its unsynced folder (or not made yet)',
    ],
    [
      { ownsRow: true, tempHoldsBytes: true, destHoldsBytes: true },
      'roll-forward',
      'the same bytes at both names (an older version with the same bytes at the key)',
    ],
    [
      { ownsRow: true, tempHoldsBytes: false, destHoldsBytes: true },
      'keep',
      'acknowledged, the rename kept; the intent not marked done yet',
    ],
    [
      { ownsRow: true, tempHoldsBytes: false, destHoldsBytes: false },
      'undo',
      'never acknowledged: the temp file bytes or name not durable yet, no rename',
    ],
    [
      { ownsRow: false, tempHoldsBytes: true, destHoldsBytes: false },
      'leave',
      'a later put or delete of the key owns the row',
    ],
    [{ ownsRow: false, tempHoldsBytes: false, destHoldsBytes: true }, 'leave', 'the same, the rename kept'],
    [{ ownsRow: false, tempHoldsBytes: false, destHoldsBytes: false }, 'leave', 'the same, nothing found'],
  ];

  it.each(table)('%j → %s (%s)', (found, action) => {
    expect(putRecovery(found)).toBe(action);
  });

  // Invariant 1: an acknowledged put's bytes are durable under one of its two names, so every state an acknowledged
  // put can leave has one of them holding the bytes. None of those states is ever undone.
  it('never undoes a put whose journaled bytes are under either name', () => {
    for (const tempHoldsBytes of [true, false]) {
      for (const destHoldsBytes of [true, false]) {
        if (!tempHoldsBytes && !destHoldsBytes) continue;
        expect(putRecovery({ ownsRow: true, tempHoldsBytes, destHoldsBytes })).not.toBe('undo');
      }
    }
  });
});
