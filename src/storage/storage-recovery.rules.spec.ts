import { describe, expect, it } from '@jest/globals';
import { putRecovery, type PutFound, type PutRecovery } from './storage-recovery.rules.js';

describe('putRecovery: what the startup recovery does with a pending put', () => {
  // [what the crash left, what recovery does, the moment of the put that leaves it]
  const table: Array<[PutFound, PutRecovery, string]> = [
    [
      { ownsRow: true, tempHoldsBytes: true, destHoldsBytes: false, bodyJournaled: false },
      'roll-forward',
      'acknowledged, the rename lost with its unsynced folder (or not made yet)',
    ],
    [
      { ownsRow: true, tempHoldsBytes: true, destHoldsBytes: true, bodyJournaled: false },
      'roll-forward',
      'the same bytes at both names (an older version with the same bytes at the key)',
    ],
    [
      { ownsRow: true, tempHoldsBytes: false, destHoldsBytes: true, bodyJournaled: false },
      'keep',
      'acknowledged, the rename kept; the intent not marked done yet',
    ],
    [
      { ownsRow: true, tempHoldsBytes: false, destHoldsBytes: false, bodyJournaled: false },
      'undo',
      'never acknowledged: the temp file bytes or name not durable yet, no rename',
    ],
    [
      { ownsRow: false, tempHoldsBytes: true, destHoldsBytes: false, bodyJournaled: false },
      'leave',
      'a later put or delete of the key owns the row',
    ],
    [
      { ownsRow: false, tempHoldsBytes: false, destHoldsBytes: true, bodyJournaled: false },
      'leave',
      'the same, the rename kept',
    ],
    [
      { ownsRow: false, tempHoldsBytes: false, destHoldsBytes: false, bodyJournaled: false },
      'leave',
      'the same, nothing found',
    ],
    [
      { ownsRow: true, tempHoldsBytes: false, destHoldsBytes: false, bodyJournaled: true },
      'rewrite',
      'a small body acknowledged with its row: its file not fsynced or renamed yet when the power went',
    ],
    [
      { ownsRow: true, tempHoldsBytes: true, destHoldsBytes: false, bodyJournaled: true },
      'roll-forward',
      'the same, its file fsynced, the rename lost',
    ],
    [
      { ownsRow: true, tempHoldsBytes: false, destHoldsBytes: true, bodyJournaled: true },
      'keep',
      'the same, the rename kept; the intent not marked done yet',
    ],
    [
      { ownsRow: false, tempHoldsBytes: false, destHoldsBytes: false, bodyJournaled: true },
      'leave',
      'a later put or delete of the key owns the row',
    ],
  ];

  it.each(table)('%j → %s (%s)', (found, action) => {
    expect(putRecovery(found)).toBe(action);
  });

  // Invariant 1: an acknowledged put's bytes are durable in its intent or under one of its two names, so every state
  // an acknowledged put can leave has one of them holding the bytes. None of those states is ever undone.
  it('never undoes a put whose bytes are in its intent or under either name', () => {
    for (const bodyJournaled of [true, false]) {
      for (const tempHoldsBytes of [true, false]) {
        for (const destHoldsBytes of [true, false]) {
          if (!bodyJournaled && !tempHoldsBytes && !destHoldsBytes) continue;
          expect(putRecovery({ ownsRow: true, tempHoldsBytes, destHoldsBytes, bodyJournaled })).not.toBe('undo');
        }
      }
    }
  });
});
