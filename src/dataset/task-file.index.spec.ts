import { describe, expect, it } from '@jest/globals';
import { ANNOTATION_17, ANNOTATION_18_SKIPPED, ANNOTATION_21, TASK_9 } from './__fixtures__/label-studio.bodies.js';
import { TaskFileIndex } from './task-file.index.js';
import type { TaskFileFormat } from './task-file.codec.js';
import type { ExportTask, JsonObject, TaskFileBuild } from './dataset.types.js';

/** The whole dataset file from scratch, as the first flush builds it. */
function buildTaskFile(objects: Iterable<{ key: string; body: Uint8Array }>, format: TaskFileFormat): TaskFileBuild {
  const index = new TaskFileIndex(format);
  for (const object of objects) index.put(object.key, object.body);
  return index.build();
}

const b = (text: string) => Buffer.from(text, 'utf8');
const ann = (id: number, taskId: number | string) =>
  b(JSON.stringify({ id, result: [], task: { id: taskId, data: {} } }));

const bucket = [
  { key: 'exports/21', body: b(ANNOTATION_21) },
  { key: 'exports/18', body: b(ANNOTATION_18_SKIPPED) },
  { key: 'exports/9.json', body: b(TASK_9) },
  { key: 'images/cat.png', body: Buffer.from([0x89, 0x50, 0x4e, 0x47]) },
  { key: 'exports//17', body: b(ANNOTATION_17) },
  { key: 'notes.json', body: b('{"label": "cat"}') },
];

describe('buildTaskFile', () => {
  it('turns a bucket of Label Studio objects into one export-shaped JSON file, listing what it left out', () => {
    const build = buildTaskFile(bucket, 'json');
    const written = JSON.parse(build.content.toString('utf8')) as ExportTask[];
    expect(written.map((t) => t.id)).toEqual([5, 7, 9]);
    expect(written[0].annotations.map((a) => a.id)).toEqual([17, 18]);
    expect((written[0].data as JsonObject).text).toBe('Café ☕ naïve — 東京, see https://example.com/a?b=1');
    // Non-ASCII is written as UTF-8, not as Python's \u escapes.
    expect(build.content.toString('utf8')).toContain('東京');
    expect(build).toMatchObject({ taskCount: 3, annotationCount: 4 });
    expect(build.tasks).toEqual(written);
    expect(build.rejected).toEqual([
      { key: 'images/cat.png', reason: expect.stringMatching(/^not (UTF-8|JSON)/) },
      { key: 'notes.json', reason: expect.stringMatching(/neither an annotation/) },
    ]);
  });

  it('jsonl: the same tasks, one per line', () => {
    const lines = buildTaskFile(bucket, 'jsonl').content.toString('utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((line) => (JSON.parse(line) as ExportTask).id)).toEqual([5, 7, 9]);
  });

  it('an empty bucket is an empty dataset', () => {
    expect(buildTaskFile([], 'json')).toMatchObject({
      content: b('[]\n'),
      taskCount: 0,
      annotationCount: 0,
      rejected: [],
    });
  });
});

type Step = ['put', string, Buffer] | ['delete', string];

describe('TaskFileIndex — incremental builds equal a build from scratch', () => {
  it.each<[string, Step[], { tasks: Array<number | string>; annotations: number }]>([
    ['an annotation is deleted', [['delete', 'exports/18']], { tasks: [5, 7, 9], annotations: 3 }],
    [
      'the last annotation of a task is deleted: the task goes',
      [['delete', 'exports/21']],
      { tasks: [5, 9], annotations: 3 },
    ],
    [
      'an annotation is added to a new task',
      [['put', 'exports/99', ann(99, 100)]],
      { tasks: [5, 7, 9, 100], annotations: 5 },
    ],
    [
      'a key is rewritten for another task',
      [['put', 'exports/21', ann(21, 'moved')]],
      { tasks: [5, 9, 'moved'], annotations: 4 },
    ],
    ['a rejected object is fixed', [['put', 'notes.json', ann(50, 7)]], { tasks: [5, 7, 9], annotations: 5 }],
    ['a good object turns bad', [['put', 'exports/21', b('oops')]], { tasks: [5, 9], annotations: 3 }],
    [
      'delete then re-put',
      [
        ['delete', 'exports//17'],
        ['put', 'exports//17', b(ANNOTATION_17)],
      ],
      { tasks: [5, 7, 9], annotations: 4 },
    ],
    ['deleting an unknown key', [['delete', 'nope']], { tasks: [5, 7, 9], annotations: 4 }],
  ])('%s', (_name, steps, expected) => {
    const index = new TaskFileIndex('json');
    for (const object of bucket) index.put(object.key, object.body);
    index.build();
    const current = new Map<string, Buffer>(bucket.map((o) => [o.key, o.body]));
    for (const step of steps) {
      if (step[0] === 'put') {
        index.put(step[1], step[2]);
        current.set(step[1], step[2]);
      } else {
        index.delete(step[1]);
        current.delete(step[1]);
      }
    }
    const incremental = index.build();
    const fromScratch = buildTaskFile(
      [...current].map(([key, body]) => ({ key, body })),
      'json',
    );
    expect(incremental.content.toString()).toBe(fromScratch.content.toString());
    expect(incremental.rejected).toEqual(fromScratch.rejected);
    expect(incremental.tasks.map((t) => t.id)).toEqual(expected.tasks);
    expect(incremental.annotationCount).toBe(expected.annotations);
  });

  it('an object whose md5 is already indexed is not parsed again', () => {
    const index = new TaskFileIndex('json');
    index.put('exports/21', b(ANNOTATION_21), 'md5-a');
    expect(index.isCurrent('exports/21', 'md5-a')).toBe(true);
    index.put('exports/21', b('not even JSON'), 'md5-a');
    expect(index.build().tasks.map((t) => t.id)).toEqual([7]);
    index.put('exports/21', b('not even JSON'), 'md5-b');
    expect(index.build()).toMatchObject({ taskCount: 0, rejected: [{ key: 'exports/21' }] });
    expect(index.isCurrent('exports/21', 'md5-a')).toBe(false);
  });

  it('tells which task a key feeds (for the sync state)', () => {
    const index = new TaskFileIndex('jsonl');
    index.put('a', ann(1, 5));
    index.put('bad', b('[]'));
    expect(index.tasksOfKey('a')).toEqual(['5']);
    expect(index.tasksOfKey('bad')).toEqual([]);
    expect(index.tasksOfKey('unknown')).toEqual([]);
  });
});
