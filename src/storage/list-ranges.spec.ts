import { describe, expect, it } from '@jest/globals';
import { compareKeys, isListed } from './key-order.js';
import { listRanges, prefixUpperBound, type KeyRange } from './list-ranges.js';
import type { ListQuery } from './storage.backend.js';

/** Astral characters (4 UTF-8 bytes, F0..) sort after U+E000..U+FFFF (EE..EF) in byte order, before them in UTF-16. */
const KEYS = [
  'a',
  'a/1',
  'a/2',
  'a/2/x',
  'a/3',
  'a0',
  'b',
  'b/\uE000',
  'b/\uFFFD',
  'b/😀',
  'b/😀/z',
  'c',
  'é',
  '\uFF21',
  '😀',
];

function inRange(key: string, range: KeyRange): boolean {
  const bytes = Buffer.from(key);
  const lower = Buffer.compare(bytes, range.from);
  if (range.fromInclusive ? lower < 0 : lower <= 0) return false;
  return range.to === undefined || Buffer.compare(bytes, range.to) < 0;
}

describe('compareKeys', () => {
  it('orders by UTF-8 bytes, not UTF-16 code units', () => {
    expect(['😀', '\uFFFD', '\uE000', 'é', 'z'].sort(compareKeys)).toEqual(['z', 'é', '\uE000', '\uFFFD', '😀']);
    // JS default sort would put the astral character first, since its first code unit is U+D83D.
    expect(['\uFFFD', '😀'].sort()).toEqual(['😀', '\uFFFD']);
  });
});

describe('prefixUpperBound', () => {
  it.each([
    ['a', 'b'],
    ['a/', 'a0'],
    ['az', 'a{'],
  ])('%j → %j', (prefix, bound) => {
    expect(prefixUpperBound(Buffer.from(prefix))?.toString()).toBe(bound);
  });

  it('has no bound for an empty prefix or trailing 0xFF bytes', () => {
    expect(prefixUpperBound(Buffer.alloc(0))).toBeUndefined();
    expect(prefixUpperBound(Buffer.from([0xff, 0xff]))).toBeUndefined();
    expect(prefixUpperBound(Buffer.from([0x61, 0xff]))).toEqual(Buffer.from([0x62]));
  });
});

describe('listRanges', () => {
  const queries: Array<[string, Omit<ListQuery, 'limit'>, string[]]> = [
    ['everything', { prefix: '' }, [...KEYS].sort(compareKeys)],
    ['prefix', { prefix: 'a/' }, ['a/1', 'a/2', 'a/2/x', 'a/3']],
    ['prefix and after', { prefix: 'a/', after: 'a/2' }, ['a/2/x', 'a/3']],
    ['after before the prefix', { prefix: 'b/', after: 'a' }, ['b/\uE000', 'b/\uFFFD', 'b/😀', 'b/😀/z']],
    ['after past the prefix', { prefix: 'a/', after: 'b' }, []],
    ['skipPrefix in the middle', { prefix: 'a', skipPrefix: 'a/2/' }, ['a', 'a/1', 'a/2', 'a/3', 'a0']],
    [
      'skipPrefix already passed by after',
      { prefix: '', after: 'a/2', skipPrefix: 'a/2/' },
      ['a/3', 'a0', 'b', 'b/\uE000', 'b/\uFFFD', 'b/😀', 'b/😀/z', 'c', 'é', '\uFF21', '😀'],
    ],
    ['after inside the skipped run', { prefix: '', after: 'b/', skipPrefix: 'b/' }, ['c', 'é', '\uFF21', '😀']],
    ['skipPrefix equal to the prefix', { prefix: 'a/', skipPrefix: 'a/' }, []],
    ['skipPrefix before everything', { prefix: 'b', skipPrefix: 'a' }, ['b', 'b/\uE000', 'b/\uFFFD', 'b/😀', 'b/😀/z']],
    ['astral prefix', { prefix: 'b/😀' }, ['b/😀', 'b/😀/z']],
    ['empty skipPrefix skips nothing', { prefix: 'c', skipPrefix: '' }, ['c']],
  ];

  it.each(queries)('%s', (_name, query, expected) => {
    const ranges = listRanges(query);
    expect(ranges.length).toBeLessThanOrEqual(2);
    const viaRanges = [...KEYS].sort(compareKeys).filter((key) => ranges.some((r) => inRange(key, r)));
    expect(viaRanges).toEqual(expected);
    // The predicate the in-memory fake uses agrees with the ranges the sqlite index reads.
    expect([...KEYS].sort(compareKeys).filter((key) => isListed(key, query))).toEqual(expected);
  });

  it('returns ranges in ascending order, so reading them one after the other keeps byte order', () => {
    const [first, second] = listRanges({ prefix: '', skipPrefix: 'b/' });
    expect(Buffer.compare(first.to!, second.from)).toBeLessThanOrEqual(0);
  });
});
