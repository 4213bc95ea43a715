import { describe, expect, it } from '@jest/globals';
import { splitRepoPath } from './repo-path.util.js';

describe('splitRepoPath', () => {
  it.each([
    ['data/annotations.dvc', ['data', 'annotations.dvc']],
    ['.gitignore', ['.gitignore']],
    ['.dvc/config', ['.dvc', 'config']],
    ['a b/ü ñ/x:y.json', ['a b', 'ü ñ', 'x:y.json']],
    ['.github/workflows/ci.yml', ['.github', 'workflows', 'ci.yml']],
    ['...', ['...']],
  ])('%j names a file in a tree', (path, names) => {
    expect(splitRepoPath(path)).toEqual({ names });
  });

  it.each([
    ['', /empty/],
    ['/etc/passwd', /absolute/],
    ['data//x', /empty component/],
    ['data/', /empty component/],
    ['../outside', /'\.\.'/],
    ['data/./x', /'\.'/],
    ['.git/config', /\.git/],
    ['sub/.GIT/hooks/pre-commit', /\.git/],
    ['.git./x', /\.git/],
    ['.git \u200c/x', /\.git/],
    ['git~1/config', /\.git/],
    ['.git::$INDEX_ALLOCATION/x', /\.git/],
    ['a\\b', /backslash/],
    ['a\0b', /NUL/],
  ])('%j is refused', (path, reason) => {
    const result = splitRepoPath(path);
    expect('error' in result && result.error).toMatch(reason);
  });
});
