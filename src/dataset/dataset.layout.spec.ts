import { describe, expect, it } from '@jest/globals';
import { datasetLayout } from './dataset.layout.js';

describe('datasetLayout', () => {
  it.each([
    ['data/annotations.json', 'json'],
    ['annotations.JSON', 'json'],
    ['data/annotations.jsonl', 'jsonl'],
    ['data/Annotations.JSONL', 'jsonl'],
    ['data/annotations', 'directory'],
    ['data/annotations.json.d', 'directory'],
    ['data/annotations.jsonld', 'directory'],
    ['data/json', 'directory'],
  ])('%s → %s', (path, layout) => {
    expect(datasetLayout(path)).toBe(layout);
  });
});
