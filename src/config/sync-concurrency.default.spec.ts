import { describe, expect, it } from '@jest/globals';
import { defaultSyncConcurrency } from './sync-concurrency.default.js';

describe('defaultSyncConcurrency', () => {
  it.each([
    [1, 2], // one core: still two slots, so one hanging remote does not stop every project's flushes
    [2, 2],
    [3, 3],
    [4, 4],
    [16, 4], // flushes share one JavaScript thread with the PUTs: more cores do not make room for more of them
  ])('%i cores → %i flushes at once', (cores, expected) => {
    expect(defaultSyncConcurrency(cores)).toBe(expected);
  });
});
