import { describe, expect, it } from '@jest/globals';
import { isIgnoredByDvc } from '../dvc/dir-object.codec.js';
import { relativePathToKey } from '../../test/support/key-path.inverse.js';
import { keyToRelativePath } from './object-key.relpath.js';

describe('keyToRelativePath', () => {
  it.each([
    ['exports/17', 'exports/17'],
    // Label Studio uses the prefix verbatim: prefix `exports/` gives `exports//17` (docs/label-studio.md).
    ['exports//17', 'exports/%/17'],
    ['/leading', '%/leading'],
    ['trailing/', 'trailing/%'],
    ['a/./b', 'a/%2E/b'],
    ['a/../b', 'a/%2E%2E/b'],
    ['..', '%2E%2E'],
    ['100%.json', '100%25.json'],
    ['%', '%25'],
    ['%2E', '%252E'],
    ['...', '...'],
    ['.hidden', '.hidden'],
    ['repo/.git/config', 'repo/%2Egit/config'],
    ['repo/.git', 'repo/%2Egit'],
    ['x/.hg/y', 'x/%2Ehg/y'],
    ['x/.dvc/config', 'x/%2Edvc/config'],
    ['.dvcignore', '%2Edvcignore'],
    ['.gitignore', '.gitignore'],
    // Case-insensitive filesystems (macOS, Windows) see `.GIT` as `.git`; Windows reads `\` as a separator.
    ['repo/.GIT/config', 'repo/%2EGIT/config'],
    ['..\\..\\x', '..%5C..%5Cx'],
    ['données/été 😀.json', 'données/été 😀.json'],
  ])('%j → %j', (key, relpath) => {
    expect(keyToRelativePath(key)).toBe(relpath);
    expect(relativePathToKey(relpath)).toBe(key);
  });

  it('gives distinct keys distinct relpaths (no two objects share a file)', () => {
    const keys = ['%', '%25', '/', '//', '.', '%2E', '..', '%2E%2E', 'a/', 'a//', 'a/%', '.git', '%2Egit', 'a', 'a%'];
    const relpaths = keys.map(keyToRelativePath);
    expect(new Set(relpaths).size).toBe(keys.length);
  });

  it.each(['exports//17', 'a/../b', '.', 'x/.git/HEAD', 'x/.git', '.hg/x', 'd/.dvc/y', 'sub/.dvcignore', '/'])(
    '%j becomes a relpath DVC accepts and does not ignore',
    (key) => {
      const relpath = keyToRelativePath(key);
      for (const segment of relpath.split('/')) {
        expect(['', '.', '..']).not.toContain(segment);
      }
      expect(relpath.startsWith('/')).toBe(false);
      expect(isIgnoredByDvc(relpath)).toBe(false);
    },
  );
});

describe('relativePathToKey', () => {
  it.each(['a/%41', 'a/%2e', '%2E%2Egit', 'x/%2Eother', 'a/100%', '%%'])('%j is no key’s relpath → null', (relpath) => {
    expect(relativePathToKey(relpath)).toBeNull();
  });
});
