import { describe, expect, it } from '@jest/globals';
import type { JsonObject } from './dataset.types.js';
import { ANNOTATION_17, ANNOTATION_21, TASK_9 } from './__fixtures__/label-studio.bodies.js';
import { parseBody } from './label-studio.body.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('parseBody — Label Studio bodies', () => {
  it('reads a default Target storage body as an annotation of its nested task', () => {
    const parsed = parseBody('exports//17', bytes(ANNOTATION_17));
    expect(parsed).toMatchObject({ kind: 'annotation', key: 'exports//17', taskId: 5 });
    if (parsed.kind !== 'annotation') throw new Error('unreachable');
    // Python's \u00e9 / \u00a0 escapes come back as the characters.
    expect(parsed.task.data).toEqual({ text: 'Café ☕ naïve — 東京, see https://example.com/a?b=1' });
    expect(parsed.annotation.created_ago).toBe('0\u00a0minutes');
    // As in the JSON export, the annotation refers to its task by id, in the same place.
    expect(parsed.annotation.task).toBe(5);
    expect(Object.keys(parsed.annotation).indexOf('task')).toBe(
      Object.keys(JSON.parse(ANNOTATION_17) as JsonObject).indexOf('task'),
    );
    expect(parsed.annotation.completed_by).toEqual({
      id: 1,
      first_name: 'Zoë',
      last_name: '',
      email: 'zoe@example.com',
    });
  });

  it('decodes surrogate-pair escapes and escaped quotes, backslashes and newlines', () => {
    const parsed = parseBody('exports/21', bytes(ANNOTATION_21));
    expect(parsed.kind === 'annotation' && parsed.task.data).toEqual({
      text: 'Rocket launch 🚀 "quoted" \\ backslash\nnew line',
    });
  });

  it('reads a task-mode body (whole task with its annotations) as a task', () => {
    const parsed = parseBody('exports/9.json', bytes(TASK_9));
    expect(parsed).toMatchObject({ kind: 'task', task: { id: 9, data: { text: 'Ça va très bien' } } });
    expect(parsed.kind === 'task' && parsed.task.annotations.map((a) => a.id)).toEqual([30]);
  });

  it.each([
    ['an annotation whose "task" is already an id', '{"id": 3, "result": [], "task": 12}', 12],
    ['string ids', '{"id": "a-1", "task": {"id": "t-1", "data": {}}}', 't-1'],
  ])('accepts %s', (_name, body, taskId) => {
    expect(parseBody('k', bytes(body))).toMatchObject({ kind: 'annotation', taskId });
  });

  it('keeps a "__proto__" key as plain data', () => {
    const parsed = parseBody('k', bytes('{"id": 1, "__proto__": {"polluted": true}, "task": {"id": 2}}'));
    expect(parsed.kind === 'annotation' && Object.getPrototypeOf(parsed.annotation)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseBody — rejects what is not Label Studio JSON, with a reason', () => {
  it.each([
    ['not JSON', 'hello', /^not JSON/],
    ['a JSON array (e.g. a whole export file)', '[{"id": 1, "annotations": []}]', /JSON array/],
    ['a JSON string', '"text"', /JSON string/],
    ['null', 'null', /JSON null/],
    ['an unrelated object', '{"label": "cat"}', /neither an annotation .* nor a task/],
    ['an annotation without id', '{"result": [], "task": {"id": 5}}', /annotation without a valid "id"/],
    ['an annotation whose task has no id', '{"id": 1, "task": {"data": {}}}', /"task" has no valid "id"/],
    ['an annotation whose task is a list', '{"id": 1, "task": [5]}', /"task" has no valid "id"/],
    ['a task without id', '{"annotations": []}', /task without a valid "id"/],
    ['a task with an id of true', '{"id": true, "annotations": []}', /task without a valid "id"/],
    ['a task with a garbage annotation', '{"id": 4, "annotations": [{"id": 1}, 7]}', /task 4: annotations\[1\]/],
    ['an empty-string id', '{"id": "", "task": {"id": 1}}', /annotation without a valid "id"/],
  ])('%s', (_name, body, reason) => {
    const parsed = parseBody('bad/key', bytes(body));
    expect(parsed.kind).toBe('rejected');
    expect(parsed.kind === 'rejected' && parsed.reason).toMatch(reason);
    expect(parsed.key).toBe('bad/key');
  });
});
