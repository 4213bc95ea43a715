import { describe, expect, it } from '@jest/globals';
import { dvcOutputPaths } from './dataset-paths.util.js';

describe('dvcOutputPaths (where `dvc add <path>` puts its files)', () => {
  it.each([
    [
      'data/annotations.json',
      { dvcFile: 'data/annotations.json.dvc', outPath: 'annotations.json', gitignoreFile: 'data/.gitignore' },
    ],
    ['data/annotations', { dvcFile: 'data/annotations.dvc', outPath: 'annotations', gitignoreFile: 'data/.gitignore' }],
    ['annotations/', { dvcFile: 'annotations.dvc', outPath: 'annotations', gitignoreFile: '.gitignore' }],
    [
      'a/b/données.jsonl',
      { dvcFile: 'a/b/données.jsonl.dvc', outPath: 'données.jsonl', gitignoreFile: 'a/b/.gitignore' },
    ],
  ])('%s', (path, expected) => expect(dvcOutputPaths(path)).toEqual(expected));
});
