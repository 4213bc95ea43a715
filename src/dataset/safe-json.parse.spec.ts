import { describe, expect, it } from '@jest/globals';
import { jsonEqual } from './json.equal.js';
import { MAX_JSON_DEPTH, parseJsonBytes } from './safe-json.parse.js';

const nested = (depth: number) => Buffer.from('['.repeat(depth) + ']'.repeat(depth));

describe('parseJsonBytes', () => {
  it.each([
    ['Python ensure_ascii escapes', Buffer.from('{"t": "Caf\\u00e9 \\ud83d\\ude80"}'), { t: 'Café 🚀' }],
    ['raw UTF-8', Buffer.from('{"t": "Café 🚀"}'), { t: 'Café 🚀' }],
    ['UTF-8 with a BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a": 1}')]), { a: 1 }],
    ['a scalar', Buffer.from('42'), 42],
  ])('reads %s', (_name, bytes, value) => {
    expect(parseJsonBytes(bytes)).toEqual({ ok: true, value });
  });

  it.each([
    ['empty body', Buffer.alloc(0), /^not JSON/],
    ['truncated JSON', Buffer.from('{"id": 1, "result": ['), /^not JSON/],
    ['aws-chunked framing stored as is', Buffer.from('1a;chunk-signature=abc\r\n{"id": 1}\r\n0\r\n\r\n'), /^not JSON/],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), /^not UTF-8/],
    ['binary (PNG header)', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), /^not (UTF-8|JSON)/],
    ['deeper than the limit', nested(MAX_JSON_DEPTH + 1), /nested deeper than 512/],
    ['100 000 levels deep', nested(100_000), /nested deeper/],
  ])('refuses %s without throwing', (_name, bytes, reason) => {
    const result = parseJsonBytes(bytes);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it('accepts exactly the depth limit', () => {
    expect(parseJsonBytes(nested(MAX_JSON_DEPTH)).ok).toBe(true);
  });
});

describe('jsonEqual', () => {
  it.each([
    [{ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 }, true],
    [{ a: 1 }, { a: 1, b: 2 }, false],
    [{ a: 1, b: undefined as unknown as null }, { a: 1, c: 2 }, false],
    [[1, 2], [2, 1], false],
    [[], {}, false],
    ['1', 1, false],
    [null, {}, false],
    [{ x: { y: [true] } }, { x: { y: [false] } }, false],
  ])('%j vs %j → %s', (a, b, equal) => {
    expect(jsonEqual(a, b)).toBe(equal);
    expect(jsonEqual(b, a)).toBe(equal);
  });
});
