import { describe, expect, it } from '@jest/globals';
import type { ManifestEntry } from './dataset.types.js';
import { applyChanges, type DatasetDiff, type ManifestChange } from './manifest.changes.js';
import { keyToRelativePath } from './object-key.relpath.js';

const md5 = (c: string) => c.repeat(32);
/** The directory layout of a bucket: one file per object, at its escaped relpath. */
const start = () =>
  new Map<string, ManifestEntry>([
    [keyToRelativePath('exports//17'), { md5: md5('a'), size: 10 }],
    [keyToRelativePath('exports/18'), { md5: md5('b'), size: 20 }],
  ]);
const put = (key: string, c: string, size = 1): ManifestChange => ({
  key,
  relpath: keyToRelativePath(key),
  op: 'put',
  md5: md5(c),
  size,
});
const del = (key: string): ManifestChange => ({ key, relpath: keyToRelativePath(key), op: 'delete' });
const none: DatasetDiff = { added: [], updated: [], deleted: [] };

describe('applyChanges', () => {
  const A: [string, ManifestEntry] = ['exports/%/17', { md5: md5('a'), size: 10 }];
  const B: [string, ManifestEntry] = ['exports/18', { md5: md5('b'), size: 20 }];
  it.each<[string, ManifestChange[], Array<[string, ManifestEntry]>, DatasetDiff]>([
    [
      'a new object',
      [put('exports/19', 'c', 5)],
      [A, B, ['exports/19', { md5: md5('c'), size: 5 }]],
      { ...none, added: ['exports/19'] },
    ],
    [
      'an updated object',
      [put('exports//17', 'c', 11)],
      [['exports/%/17', { md5: md5('c'), size: 11 }], B],
      { ...none, updated: ['exports//17'] },
    ],
    ['a deleted object', [del('exports/18')], [A], { ...none, deleted: ['exports/18'] }],
    ['a put of identical content', [put('exports/18', 'b', 20)], [A, B], none],
    ['put then delete of a new key', [put('tmp', 'c'), del('tmp')], [A, B], none],
    ['delete then put back the same bytes', [del('exports/18'), put('exports/18', 'b', 20)], [A, B], none],
    ['deleting a missing key', [del('never')], [A, B], none],
    [
      'several changes, last one per key wins',
      [put('z', 'c'), put('a/./b', 'd'), put('z', 'e'), del('exports//17')],
      [B, ['z', { md5: md5('e'), size: 1 }], ['a/%2E/b', { md5: md5('d'), size: 1 }]],
      { added: ['a/./b', 'z'], updated: [], deleted: ['exports//17'] },
    ],
  ])('%s', (_name, changes, expected, diff) => {
    const before = start();
    const result = applyChanges(before, changes);
    expect(result.manifest).toEqual(new Map(expected));
    expect(result.diff).toEqual(diff);
    // In place: the flush owns the manifest of the last push it was given (no copy of every entry).
    expect(result.manifest).toBe(before);
  });
});
