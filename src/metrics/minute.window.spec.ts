import { describe, expect, it } from '@jest/globals';
import { MinuteWindow } from './minute.window.js';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const at = (minutes: number, seconds = 0) => T0 + minutes * 60_000 + seconds * 1000;

describe('MinuteWindow', () => {
  it.each([
    {
      name: 'nothing recorded: every minute is 0, oldest first',
      records: [] as Array<[number, number, boolean]>,
      now: at(2, 30),
      expected: [
        { minute: '2026-01-01T10:00:00.000Z', requests: 0, errors: 0, meanMs: null, maxMs: null },
        { minute: '2026-01-01T10:01:00.000Z', requests: 0, errors: 0, meanMs: null, maxMs: null },
        { minute: '2026-01-01T10:02:00.000Z', requests: 0, errors: 0, meanMs: null, maxMs: null },
      ],
    },
    {
      name: 'requests of one minute add up; errors counted apart; mean and max latency',
      records: [
        [at(2, 1), 10, false],
        [at(2, 59), 30, true],
        [at(1, 0), 5, false],
      ] as Array<[number, number, boolean]>,
      now: at(2, 59),
      expected: [
        { minute: '2026-01-01T10:00:00.000Z', requests: 0, errors: 0, meanMs: null, maxMs: null },
        { minute: '2026-01-01T10:01:00.000Z', requests: 1, errors: 0, meanMs: 5, maxMs: 5 },
        { minute: '2026-01-01T10:02:00.000Z', requests: 2, errors: 1, meanMs: 20, maxMs: 30 },
      ],
    },
    {
      name: 'a minute older than the window is forgotten, even where its slot was not reused',
      records: [
        [at(0, 10), 7, false],
        [at(4, 0), 9, false],
      ] as Array<[number, number, boolean]>,
      now: at(5, 0),
      expected: [
        { minute: '2026-01-01T10:03:00.000Z', requests: 0, errors: 0, meanMs: null, maxMs: null },
        { minute: '2026-01-01T10:04:00.000Z', requests: 1, errors: 0, meanMs: 9, maxMs: 9 },
        { minute: '2026-01-01T10:05:00.000Z', requests: 0, errors: 0, meanMs: null, maxMs: null },
      ],
    },
    {
      name: 'a slot reused by a later minute starts from 0',
      records: [
        [at(1, 0), 100, true],
        [at(4, 0), 2, false],
      ] as Array<[number, number, boolean]>,
      now: at(4, 1),
      expected: [
        { minute: '2026-01-01T10:02:00.000Z', requests: 0, errors: 0, meanMs: null, maxMs: null },
        { minute: '2026-01-01T10:03:00.000Z', requests: 0, errors: 0, meanMs: null, maxMs: null },
        { minute: '2026-01-01T10:04:00.000Z', requests: 1, errors: 0, meanMs: 2, maxMs: 2 },
      ],
    },
  ])('$name', ({ records, now, expected }) => {
    const window = new MinuteWindow(3);
    for (const [time, ms, failed] of records) window.record(time, ms, failed);
    expect(window.minutes(now)).toEqual(expected);
  });
});
