import { describe, expect, it } from '@jest/globals';
import { S3Error } from '../errors/s3-error.js';
import { assertWritableKey } from './object-key.js';

describe('assertWritableKey: only keys every XML listing can name', () => {
  it.each([
    'exports//17',
    'tab\there',
    'lf\nand\rcr', // XML characters: written as character references, parsed back intact
    'del\x7f', // U+007F is an XML 1.0 character (discouraged, not forbidden)
    'c1\u0085\u009f',
    'private\uE000',
    'emoji 😀',
    '\uFFFD',
  ])('accepts %j', (key) => {
    expect(() => assertWritableKey(key)).not.toThrow();
  });

  it.each<[string, string]>([
    ['ctl\x01\x1f\x7fz', 'U+0001'],
    ['bell\x07', 'U+0007'],
    ['vt\x0b', 'U+000B'],
    ['ff\x0c', 'U+000C'],
    ['esc\x1b[31m', 'U+001B'],
    ['nonchar\uFFFE', 'U+FFFE'],
    ['nonchar\uFFFF', 'U+FFFF'],
  ])('refuses %j (InvalidObjectName naming %s)', (key, named) => {
    let thrown: unknown;
    try {
      assertWritableKey(key);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(S3Error);
    expect((thrown as S3Error).code).toBe('InvalidObjectName');
    expect((thrown as S3Error).message).toContain(named);
  });

  it('still applies the rules of every key (traversal, length)', () => {
    expect(() => assertWritableKey('a/../b')).toThrow(S3Error);
    expect(() => assertWritableKey('k'.repeat(1025))).toThrow(S3Error);
  });
});
