import { describe, expect, it } from '@jest/globals';
import { DatasetService } from './dataset.service.js';

describe('DatasetService', () => {
  it.each([
    ['data/annotations.json', 'json'],
    ['data/tasks.jsonl', 'jsonl'],
    ['data/annotations', 'directory'],
  ])('the dataset path %s is laid out as %s', (datasetPath, layout) => {
    const service = new DatasetService({ datasetPath });
    expect({ path: service.path, layout: service.layout }).toEqual({ path: datasetPath, layout });
  });

  it('names the dataset in commit messages', () => {
    const service = new DatasetService({ datasetPath: 'data/tasks.jsonl' });
    expect(service.commitMessage({ added: ['exports/1'], updated: [], deleted: [] })).toBe(
      'Update data/tasks.jsonl: 1 added\n\nA exports/1\n',
    );
  });
});
