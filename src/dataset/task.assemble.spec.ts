import { describe, expect, it } from '@jest/globals';
import { ANNOTATION_17, ANNOTATION_18_SKIPPED, TASK_9 } from './__fixtures__/label-studio.bodies.js';
import type { ExportTask, JsonObject } from './dataset.types.js';
import { exportAnnotation } from './annotation.export.js';
import { type BodySource, parseBody } from './label-studio.body.js';
import { assembleTask } from './task.assemble.js';

function source(key: string, body: string | object): BodySource {
  const parsed = parseBody(key, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));
  if (parsed.kind === 'rejected') throw new Error(parsed.reason);
  return parsed;
}

/** A per-annotation body for task 40 (only what the rules look at). */
const ann = (id: number, updated: string, extra: object = {}) => ({
  id,
  result: [{ value: { choices: [`v${id}@${updated}`] } }],
  updated_at: `2024-06-01T${updated}Z`,
  task: { id: 40, data: { text: 'x' }, updated_at: '2024-06-01T00:00:00Z' },
  ...extra,
});

describe('assembleTask — the task in Label Studio JSON export shape', () => {
  const s17 = source('exports/17', ANNOTATION_17);
  const s18 = source('exports/18', ANNOTATION_18_SKIPPED);

  it('groups annotation bodies into one task, annotations by id, counts recomputed', () => {
    const task = assembleTask([s18, s17]);
    expect(Object.keys(task).slice(0, 3)).toEqual(['id', 'annotations', 'data']);
    expect(task).toEqual({
      id: 5,
      annotations: [
        exportAnnotation({ ...(JSON.parse(ANNOTATION_17) as JsonObject), task: 5 }),
        exportAnnotation({ ...(JSON.parse(ANNOTATION_18_SKIPPED) as JsonObject), task: 5 }),
      ],
      data: { text: 'Café ☕ naïve — 東京, see https://example.com/a?b=1' },
      meta: {},
      created_at: '2024-05-01T09:00:00.000000Z',
      // From the newest snapshot (annotation 18's).
      updated_at: '2024-05-02T11:00:00.200000Z',
      inner_id: 5,
      total_annotations: 1,
      cancelled_annotations: 1,
      total_predictions: 0,
      comment_count: 0,
      unresolved_comment_count: 0,
      last_comment_updated_at: null,
      project: 1,
      updated_by: 1,
      comment_authors: [],
    });
    // As the export writes an annotation: the user id, result_count, no body-only fields.
    expect(task.annotations[0]).toMatchObject({ completed_by: 1, result_count: 1 });
    expect(task.annotations[0]).not.toHaveProperty('created_username');
    expect(task.annotations[0]).not.toHaveProperty('created_ago');
    // overlap / is_labeled are not in the export; file_upload in the body is an upload id, not the file name.
    expect(task).not.toHaveProperty('is_labeled');
    expect(task).not.toHaveProperty('file_upload');
  });

  it('drops a deleted annotation (its object is gone) and its count', () => {
    const task = assembleTask([s17]);
    expect(task.annotations.map((a) => a.id)).toEqual([17]);
    expect(task).toMatchObject({ total_annotations: 1, cancelled_annotations: 0 });
  });

  it.each<[string, BodySource[], string]>([
    ['later updated_at wins', [source('a/7', ann(7, '10:00:00')), source('b/7', ann(7, '09:00:00'))], 'v7@10:00:00'],
    ['…whatever the order', [source('b/7', ann(7, '09:00:00')), source('a/7', ann(7, '10:00:00'))], 'v7@10:00:00'],
    [
      'same time: the greater key wins',
      [source('z/7', ann(7, '10:00:00', { result: ['z'] })), source('a/7', ann(7, '10:00:00'))],
      'z',
    ],
    [
      '…whatever the order',
      [source('a/7', ann(7, '10:00:00')), source('z/7', ann(7, '10:00:00', { result: ['z'] }))],
      'z',
    ],
    [
      'an unreadable time counts as oldest',
      [source('z/7', ann(7, 'garbage')), source('a/7', ann(7, '01:00:00'))],
      'v7@01:00:00',
    ],
  ])('same annotation id in two objects: %s', (_name, sources, expected) => {
    const [only] = assembleTask(sources).annotations;
    expect(JSON.stringify(only.result)).toContain(expected);
    expect(assembleTask(sources).annotations).toHaveLength(1);
  });

  it('task-mode body plus per-annotation bodies: task fields from the task body, annotations united', () => {
    const extra = source('exports/31', {
      ...ann(31, '13:00:00', { was_cancelled: true }),
      task: { id: 9, data: { text: 'old' } },
    });
    const task = assembleTask([extra, source('exports/9.json', TASK_9)]);
    expect(task.data).toEqual({ text: 'Ça va très bien' });
    expect(task.file_upload).toBe('b1c2d3e4-tasks.json');
    expect(task.annotations.map((a: JsonObject) => a.id)).toEqual([30, 31]);
    expect(task).toMatchObject({ total_annotations: 1, cancelled_annotations: 1, drafts: [], predictions: [] });
  });

  it('task-mode body alone comes out as Label Studio wrote it, but for completed_by as the export writes it (the id)', () => {
    const written = JSON.parse(TASK_9) as ExportTask;
    written.annotations[0].completed_by = (written.annotations[0].completed_by as JsonObject).id;
    expect(assembleTask([source('exports/9.json', TASK_9)])).toEqual(written);
  });
});
