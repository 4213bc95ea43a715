import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { posix } from 'node:path';
import { relativePathToKey } from '../../test/support/key-path.inverse.js';
import { keyToRelativePath, MAX_KEY_BYTES } from './key-path.js';

// Properties of the key ↔ path mapping over generated keys: segments drawn from what makes the mapping hard
// (empty, `.`, `..`, `%`-escapes, reserved names in any letter case, backslashes, long runs, unicode).
const RESERVED = ['.git', '.hg', '.dvc', '.dvcignore'];

const anyCase = (word: string) =>
  fc
    .array(fc.boolean(), { minLength: word.length, maxLength: word.length })
    .map((upper) => [...word].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''));

const segment = fc.oneof(
  fc.constantFrom('', '.', '..', '...', '%', '%25', '%2E', '%2Egit', '%5C', '%L', '%+x', '%-x', '\\', '..\\..'),
  fc.constantFrom(...RESERVED).chain(anyCase),
  fc.string({ unit: fc.constantFrom('a', 'B', '%', '.', '\\', ' ', '+', 'é', '😀', '~'), maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.integer({ min: 200, max: 700 }).map((n) => 'x'.repeat(n)), // longer than one file name may be
  fc.integer({ min: 60, max: 200 }).map((n) => [...'é😀%'.repeat(n)].slice(0, n).join('')),
);

const key = fc
  .array(segment, { minLength: 1, maxLength: 6 })
  .map((segments) => segments.join('/'))
  .filter((k) => k.length > 0 && !k.includes('\0') && Buffer.byteLength(k, 'utf8') <= MAX_KEY_BYTES);

describe('key ↔ path mapping (properties)', () => {
  it('round-trips: the path of a key names that key', () => {
    fc.assert(
      fc.property(key, (k) => {
        expect(relativePathToKey(keyToRelativePath(k))).toBe(k);
      }),
      { numRuns: 2000 },
    );
  });

  it('stays inside the objects folder: relative, no empty, `.`, `..` or backslash segment, each a valid file name', () => {
    fc.assert(
      fc.property(key, (k) => {
        const relpath = keyToRelativePath(k);
        expect(posix.isAbsolute(relpath)).toBe(false);
        expect(posix.normalize(`objects/${relpath}`).startsWith('objects/')).toBe(true);
        for (const name of relpath.split('/')) {
          expect(['', '.', '..']).not.toContain(name);
          expect(name).not.toContain('\\');
          expect(Buffer.byteLength(name, 'utf8')).toBeLessThanOrEqual(255);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never stores a reserved name, in any letter case (case-insensitive filesystems see .GIT as .git)', () => {
    fc.assert(
      fc.property(key, (k) => {
        for (const name of keyToRelativePath(k).split('/')) expect(RESERVED).not.toContain(name.toLowerCase());
      }),
      { numRuns: 2000 },
    );
  });

  it('puts no two keys on one path', () => {
    fc.assert(
      fc.property(fc.uniqueArray(key, { minLength: 2, maxLength: 30 }), (keys) => {
        expect(new Set(keys.map(keyToRelativePath)).size).toBe(keys.length);
      }),
      { numRuns: 500 },
    );
  });

  it('reads any path that is not the image of a key as no key (never as another object)', () => {
    const pathSegment = fc.string({
      unit: fc.constantFrom('a', '%', '2', 'E', '5', 'C', 'L', '+', '-', '.', '\\'),
      minLength: 1,
      maxLength: 6,
    });
    fc.assert(
      fc.property(fc.array(pathSegment, { minLength: 1, maxLength: 4 }), (segments) => {
        const relpath = segments.join('/');
        const k = relativePathToKey(relpath);
        if (k !== null) expect(keyToRelativePath(k)).toBe(relpath);
      }),
      { numRuns: 2000 },
    );
  });
});
