import { describe, expect, it } from '@jest/globals';
import { flushOutcome, operationLabel, unixSeconds } from './metric-labels.js';

describe('metric labels', () => {
  it.each([
    [{ commit: '3f1c0a9e2b' }, 'committed'],
    [{ commit: null }, 'nothing-to-commit'],
  ] as const)('flush %j → %s', (summary, outcome) => {
    expect(flushOutcome(summary)).toBe(outcome);
  });

  it.each([
    ['PutObject', 'PutObject'],
    ['GetObject', 'GetObject'],
    [undefined, 'Unknown'],
  ] as const)('operation %s → %s', (operation, label) => {
    expect(operationLabel(operation)).toBe(label);
  });

  it.each([
    ['2024-05-01T12:00:00.500Z', 1714564800.5],
    [null, 0],
    ['not a date', 0],
  ] as const)('timestamp %s → %d', (iso, seconds) => {
    expect(unixSeconds(iso)).toBe(seconds);
  });
});
