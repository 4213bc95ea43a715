import { describe, expect, it } from '@jest/globals';
import { posix } from 'node:path';
import { relativePathToKey } from '../../test/support/key-path.inverse.js';
import { ancestorKeys, keyToRelativePath } from './key-path.js';
import { StorageError } from './storage.errors.js';

/** Five 204-byte segments and four slashes: exactly 1024 bytes, no segment over 255. */
const KEY_1024 = Array.from({ length: 5 }, (_, i) => String(i).repeat(204)).join('/');

describe('keyToRelativePath', () => {
  it('builds a 1024-byte key for the table', () => {
    expect(Buffer.byteLength(KEY_1024)).toBe(1024);
  });

  it.each([
    ['plain key', 'annotations/17', 'annotations/17'],
    ['no extension, one segment', '17', '17'],
    ['double slash keeps an empty segment', 'exports//17', 'exports/%/17'],
    ['trailing slash', 'folder/', 'folder/%'],
    ['leading slash is not absolute', '/abs', '%/abs'],
    ['only a slash', '/', '%/%'],
    ['dot segment', 'a/./b', 'a/%2E/b'],
    ['dot-dot segment cannot climb', '../x', '%2E%2E/x'],
    ['dot-dot twice cannot climb', 'a/../../x', 'a/%2E%2E/%2E%2E/x'],
    ['dots inside a name are plain', 'a..b/.hidden/...', 'a..b/.hidden/...'],
    ['a literal percent is escaped', '100%/x%2E', '100%25/x%252E'],
    ['a literal "%" segment differs from an empty one', '%/a', '%25/a'],
    ['plus and spaces kept', 'quux ab/foo+1 bar', 'quux ab/foo+1 bar'],
    ['unicode kept', 'données/日本語/😀', 'données/日本語/😀'],
    ['backslash is escaped (a separator on Windows, where dvc pull recreates the folder)', 'a\\..\\b', 'a%5C..%5Cb'],
    ['1024-byte key', KEY_1024, KEY_1024],
  ])('%s', (_name, key, path) => {
    expect(keyToRelativePath(key)).toBe(path);
  });

  it.each([
    ['empty key', '', 'InvalidKey'],
    ['NUL', 'a\0b', 'InvalidKey'],
    ['lone high surrogate', 'a\uD83Db', 'InvalidKey'],
    ['lone low surrogate', '\uDE00', 'InvalidKey'],
    ['1025 bytes', `${KEY_1024}x`, 'KeyTooLong'],
    ['1025 bytes of multibyte characters', 'é'.repeat(512) + 'x', 'KeyTooLong'],
  ])('refuses %s', (_name, key, code) => {
    let caught: unknown;
    try {
      keyToRelativePath(key);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StorageError);
    expect((caught as StorageError).code).toBe(code);
  });

  it('accepts a 255-byte segment as one file name', () => {
    expect(keyToRelativePath('x'.repeat(255))).toBe('x'.repeat(255));
  });

  it.each([
    ['1024 bytes without a slash', 'x'.repeat(1024)],
    ['256 bytes', 'a/' + 'x'.repeat(256)],
    ['100 "%" that grow to 300 bytes once escaped', '%'.repeat(100)],
    ['86 CJK characters (258 bytes), cut between characters', '日'.repeat(86) + '/b'],
    ['astral characters across a cut', '😀'.repeat(200)],
  ])('stores an over-long segment (%s) as a chain of folders that maps back to the key', (_name, key) => {
    const path = keyToRelativePath(key);
    for (const name of path.split('/')) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    expect(path).toMatch(/^(.*\/)?%L/);
    expect(relativePathToKey(path)).toBe(key);
  });

  it("keeps long keys that share a beginning apart, and never makes one's folder another's file", () => {
    const base = 'y'.repeat(253 * 2);
    // ("a" next to "a/b" is refused at the key level, see ancestorKeys; these are all unrelated keys)
    const keys = [base, `${base}z`, base.slice(0, 253), base.slice(0, 300), `${base.slice(0, 254)}/${'z'.repeat(300)}`];
    const paths = keys.map(keyToRelativePath);
    expect(new Set(paths).size).toBe(keys.length);
    for (const a of paths) for (const b of paths) if (a !== b) expect(b.startsWith(`${a}/`)).toBe(false);
  });

  it.each(['%L/x', 'a/%+b', '%Labc', '%25', 'x/%2Egit', '%2E'])(
    'relativePathToKey(%j) only accepts what keyToRelativePath makes',
    (path) => {
      const key = relativePathToKey(path);
      if (key !== null) expect(keyToRelativePath(key)).toBe(path);
    },
  );

  it('maps distinct keys to distinct paths that stay relative and never contain . or ..', () => {
    const segments = ['', '.', '..', '%', '%25', '%2E', '%2E%2E', 'a', 'a%', '...'];
    const keys = segments.flatMap((a) => segments.map((b) => `${a}/${b}`)).concat(segments.filter((s) => s !== ''));
    const paths = keys.map(keyToRelativePath);
    expect(new Set(paths).size).toBe(keys.length);
    for (const path of paths) {
      expect(posix.isAbsolute(path)).toBe(false);
      expect(path.split('/').every((name) => name !== '' && name !== '.' && name !== '..')).toBe(true);
      expect(posix.normalize(path)).toBe(path);
    }
  });
});

describe('ancestorKeys', () => {
  it.each([
    ['a', []],
    ['a/b/c', ['a', 'a/b']],
    ['a//b', ['a', 'a/']],
    ['a/', ['a']],
    ['/abs', []],
    ['//x', ['/']],
  ])('%j → %j', (key, ancestors) => {
    expect(ancestorKeys(key)).toEqual(ancestors);
  });
});
