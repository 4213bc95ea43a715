import { describe, expect, it } from '@jest/globals';
import { posix } from 'node:path';
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
    ['backslash is a plain character on POSIX', 'a\\..\\b', 'a\\..\\b'],
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
    ['segment of 256 bytes', 'a/' + 'x'.repeat(256), 'InvalidKey'],
    ['segment of 255 bytes that grows past 255 once escaped', '%'.repeat(100), 'InvalidKey'],
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

  it('accepts a 255-byte segment', () => {
    expect(keyToRelativePath('x'.repeat(255))).toBe('x'.repeat(255));
  });

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
