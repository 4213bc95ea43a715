import { describe, expect, it } from '@jest/globals';
import { compareCodePoints } from './code-point.order.js';

describe('compareCodePoints (Python str order = UTF-8 byte order)', () => {
  it.each([
    // The .dir trap: '/' (0x2F) sorts between '.' (0x2E) and '0' (0x30), unlike a per-segment sort.
    ['a-b', 'a.b', -1],
    ['a.b', 'a/b', -1],
    ['a/b', 'a0', -1],
    ['a', 'a/b', -1],
    ['B', 'a', -1],
    ['abc', 'abc', 0],
    ['', 'a', -1],
    ['a', '', 1],
    // Astral (U+1F600, UTF-16 D83D DE00) sorts AFTER U+FFFD and U+E000 by code point, but before them in UTF-16.
    ['\u{1F600}', '\uFFFD', 1],
    ['\uE000', '\u{1F600}', -1],
    ['\u{1F600}', '\u{1F601}', -1],
    ['x\u{1F600}', 'x\u{1F600}y', -1],
    ['é', 'z', 1],
  ])('%j vs %j → %d', (a, b, expected) => {
    expect(Math.sign(compareCodePoints(a, b))).toBe(expected);
    expect(Math.sign(compareCodePoints(b, a))).toBe(-expected || 0);
    expect(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)))).toBe(expected);
  });
});
