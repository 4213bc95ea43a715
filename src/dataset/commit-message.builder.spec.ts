import { describe, expect, it } from '@jest/globals';
import { buildCommitMessage } from './commit-message.builder.js';
import type { DatasetDiff } from './manifest.changes.js';

const diff = (added: string[] = [], updated: string[] = [], deleted: string[] = []): DatasetDiff => ({
  added,
  updated,
  deleted,
});
const keys = (n: number, prefix = 'exports/') => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

describe('buildCommitMessage', () => {
  it.each<[string, string, DatasetDiff, string]>([
    [
      'all three kinds',
      'data/annotations.json',
      diff(['exports/17', 'exports/19'], ['exports/18'], ['exports/5']),
      'Update data/annotations.json: 2 added, 1 updated, 1 deleted\n\nA exports/17\nA exports/19\nM exports/18\nD exports/5\n',
    ],
    [
      'zero counts are left out',
      'data/annotations',
      diff([], [], ['exports//17']),
      'Update data/annotations: 1 deleted\n\nD exports//17\n',
    ],
    ['nothing changed (e.g. a merge only)', 'data/annotations.jsonl', diff(), 'Update data/annotations.jsonl\n'],
    [
      'unicode keys as they are',
      'data/a.json',
      diff(['données/été 😀']),
      'Update data/a.json: 1 added\n\nA données/été 😀\n',
    ],
    [
      'a key cannot add lines or trailers',
      'data/a.json',
      diff(['x\nSigned-off-by: Mallory <m@evil>', 'tab\there', 'bell\u0007\u2028']),
      'Update data/a.json: 3 added\n\nA x\\nSigned-off-by: Mallory <m@evil>\nA tab\\there\nA bell\\u0007\\u2028\n',
    ],
    [
      'a lone surrogate is escaped, not written as invalid UTF-8',
      'data/a.json',
      diff(['bad\ud800']),
      'Update data/a.json: 1 added\n\nA bad\\ud800\n',
    ],
  ])('%s', (_name, path, changes, message) => {
    expect(buildCommitMessage(path, changes)).toBe(message);
  });

  it('lists the first 50 keys, then how many more', () => {
    const message = buildCommitMessage('data/annotations.json', diff(keys(120), keys(30, 'u/'), keys(50, 'd/')));
    const lines = message.trimEnd().split('\n');
    expect(lines[0]).toBe('Update data/annotations.json: 120 added, 30 updated, 50 deleted');
    expect(lines.slice(2, -1)).toEqual(keys(50).map((k) => `A ${k}`));
    expect(lines.at(-1)).toBe('… and 150 more');
  });

  it('exactly the limit: no "more" line', () => {
    const lines = buildCommitMessage('d.json', diff(keys(3)), 3)
      .trimEnd()
      .split('\n');
    expect(lines).toEqual(['Update d.json: 3 added', '', 'A exports/1', 'A exports/2', 'A exports/3']);
  });
});
