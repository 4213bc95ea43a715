import { describe, expect, it } from '@jest/globals';
import type { ExportTask, ManifestEntry } from './dataset.types.js';
import { mergeManifests } from './manifest.merge.js';
import { mergeTasks } from './task.merge.js';

type V = string | null; // a version of the item, or null = absent (deleted / never there)

/** [name, base, ours, theirs, expected, conflict?] — one item, plus a bystander nobody touched. */
const CASES: Array<[string, V, V, V, V, boolean]> = [
  ['nobody changed it', 'A', 'A', 'A', 'A', false],
  ['only ours changed it', 'A', 'B', 'A', 'B', false],
  ['only theirs changed it', 'A', 'A', 'B', 'B', false],
  ['both changed it the same way', 'A', 'B', 'B', 'B', false],
  ['both changed it differently: ours wins', 'A', 'B', 'C', 'B', true],
  ['only ours deleted it', 'A', null, 'A', null, false],
  ['only theirs deleted it', 'A', 'A', null, null, false],
  ['ours deleted, theirs modified: ours wins (deleted)', 'A', null, 'B', null, true],
  ['ours modified, theirs deleted: ours wins (kept)', 'A', 'B', null, 'B', true],
  ['both deleted it', 'A', null, null, null, false],
  ['only ours added it', null, 'A', null, 'A', false],
  ['only theirs added it', null, null, 'A', 'A', false],
  ['both added the same', null, 'A', 'A', 'A', false],
  ['both added different versions: ours wins', null, 'A', 'B', 'A', true],
];

describe('mergeManifests — per file of the directory layout', () => {
  const entry = (v: string): ManifestEntry => ({ md5: v.repeat(32).toLowerCase().slice(0, 32), size: v.length });
  const manifest = (v: V) =>
    new Map([['keep/me.json', entry('F')], ...(v === null ? [] : [['exports/%/17', entry(v)] as const])]);

  it.each(CASES)('%s', (_name, base, ours, theirs, expected, conflict) => {
    const result = mergeManifests(manifest(base), manifest(ours), manifest(theirs));
    expect(result.manifest).toEqual(manifest(expected));
    expect(result.conflicts).toEqual(conflict ? ['exports/%/17'] : []);
  });
});

describe('mergeTasks — per task of the JSON/JSONL layouts', () => {
  const task = (id: number | string, v: string): ExportTask => ({
    id,
    annotations: [{ id: 1, result: [v] }],
    data: { text: v },
  });
  const tasks = (v: V) => [task(1, 'untouched'), ...(v === null ? [] : [task(5, v)])];

  it.each(CASES)('%s', (_name, base, ours, theirs, expected, conflict) => {
    const result = mergeTasks(tasks(base), tasks(ours), tasks(theirs));
    expect(result.tasks).toEqual(tasks(expected));
    expect(result.conflicts).toEqual(conflict ? [5] : []);
  });

  it('a different key order is not a change', () => {
    const base = [{ id: 5, annotations: [], data: { a: 1, b: 2 } }];
    const ours = [{ data: { b: 2, a: 1 }, annotations: [], id: 5 }];
    const theirs = [{ id: 5, annotations: [], data: { a: 1, b: 3 } }];
    expect(mergeTasks(base, ours, theirs)).toEqual({ tasks: theirs, conflicts: [] });
  });

  it('keeps tasks in file order and reports conflicts by id, numeric and string ids apart', () => {
    const base = [task(10, 'a'), task('10', 'a'), task(9, 'a')];
    const ours = [task(10, 'ours'), task('10', 'ours'), task(9, 'a')];
    const theirs = [task(9, 'a'), task('10', 'theirs'), task(10, 'theirs'), task(2, 'new')];
    const result = mergeTasks(base, ours, theirs);
    expect(result.tasks.map((t) => t.id)).toEqual([2, 9, 10, '10']);
    expect(result.tasks.find((t) => t.id === 10)?.data).toEqual({ text: 'ours' });
    expect(result.conflicts).toEqual([10, '10']);
  });
});
