import { describe, expect, it } from '@jest/globals';
import { relativePathToKey } from '../../test/support/key-path.inverse.js';
import { keyToRelativePath } from './key-path.js';

// The objects folder is a mirror that `dvc pull` recreates on the data scientist's machine, which may be macOS or
// Windows: there `.GIT` is the same folder as `.git` (case-insensitive filesystems) and `\` separates folders.
describe('keyToRelativePath: reserved names whatever their case, backslashes', () => {
  it.each([
    ['repo/.GIT/config', 'repo/%2EGIT/config'],
    ['.Git', '%2EGit'],
    ['x/.HG/y', 'x/%2EHG/y'],
    ['x/.DVC/config', 'x/%2EDVC/config'],
    ['sub/.DvcIgnore', 'sub/%2EDvcIgnore'],
    ['..\\..\\x', '..%5C..%5Cx'],
    ['a\\b/c', 'a%5Cb/c'],
    ['\\', '%5C'],
    ['%5C', '%255C'],
  ])('%j → %j and back', (key, relpath) => {
    expect(keyToRelativePath(key)).toBe(relpath);
    expect(relativePathToKey(relpath)).toBe(key);
  });

  it('a relpath an older version wrote for such a key names no key now (never read as another object)', () => {
    expect(relativePathToKey('repo/.GIT/config')).toBeNull();
    expect(relativePathToKey('..\\..\\x')).toBeNull();
  });

  it('no stored name contains a backslash or is a case variant of a reserved name', () => {
    const keys = ['.GIT', '.gIt/x', 'A\\B', '\\\\', '.HG', '.Dvc', '.DVCIGNORE', `${'\\'.repeat(300)}`];
    for (const key of keys) {
      for (const name of keyToRelativePath(key).split('/')) {
        expect(name).not.toContain('\\');
        expect(['.', '..', '.git', '.hg', '.dvc', '.dvcignore']).not.toContain(name.toLowerCase());
        expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
      }
    }
  });
});
