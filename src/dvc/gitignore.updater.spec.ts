import { describe, expect, it } from '@jest/globals';
import { addGitignoreEntry, gitignoreEntry } from './gitignore.updater.js';

describe('gitignoreEntry', () => {
  it.each([
    ['annotations', '/annotations'],
    ['annotations.json', '/annotations.json'],
    ['a[1]!*#?\\b', '/a\\[1\\]\\!\\*\\#\\?\\\\b'],
    ['#notes', '/\\#notes'],
    ['!important', '/\\!important'],
    ['données été', '/données été'],
    ['trailing  ', '/trailing\\ \\ '],
  ])('%j → %s', (name, line) => expect(gitignoreEntry(name)).toBe(line));
});

describe('addGitignoreEntry', () => {
  it.each([
    ['no file', undefined, 'annotations', true, '/annotations\n'],
    ['empty file', '', 'annotations', true, '/annotations\n'],
    [
      'keeps other lines and the final newline',
      '# build\n/dist\n',
      'annotations',
      true,
      '# build\n/dist\n/annotations\n',
    ],
    ['adds the missing newline first', '/dist', 'annotations', true, '/dist\n/annotations\n'],
    ['already ignored: same line', '/annotations\n', 'annotations', true, '/annotations\n'],
    [
      'already ignored: no newline at the end, unchanged',
      '/dist\n/annotations',
      'annotations',
      true,
      '/dist\n/annotations',
    ],
    ['already ignored: without the slash', 'annotations\n', 'annotations', true, 'annotations\n'],
    ['already ignored: folder form', '/annotations/\n', 'annotations', true, '/annotations/\n'],
    [
      'already ignored: trailing spaces, CRLF',
      '/x\r\n/annotations  \r\n',
      'annotations',
      true,
      '/x\r\n/annotations  \r\n',
    ],
    [
      'folder form does not ignore a file',
      '/annotations.json/\n',
      'annotations.json',
      false,
      '/annotations.json/\n/annotations.json\n',
    ],
    [
      'a later negation re-includes it',
      '/annotations\n!/annotations\n',
      'annotations',
      true,
      '/annotations\n!/annotations\n/annotations\n',
    ],
    ['a comment is not a pattern', '# /annotations\n', 'annotations', true, '# /annotations\n/annotations\n'],
    [
      'another path is not it',
      '/data/annotations\n/annotations2\n',
      'annotations',
      true,
      '/data/annotations\n/annotations2\n/annotations\n',
    ],
    ['escaped name already there', '/\\#notes\n', '#notes', true, '/\\#notes\n'],
    ['unescaped glob char is another pattern', '/a*\n', 'a*', false, '/a*\n/a\\*\n'],
  ])('%s', (_name, existing, name, isDir, expected) => {
    expect(addGitignoreEntry(existing, name, isDir)).toBe(expected);
  });
});
