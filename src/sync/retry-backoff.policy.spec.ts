import { describe, expect, it } from '@jest/globals';
import { retryDelayMs } from './retry-backoff.policy.js';

describe('retryDelayMs', () => {
  it.each([
    [0, 0],
    [1, 5_000],
    [2, 10_000],
    [3, 20_000],
    [7, 300_000],
    [1000, 300_000],
  ])('after %i failures waits %i ms', (failures, expected) => {
    expect(retryDelayMs(failures)).toBe(expected);
  });
});
