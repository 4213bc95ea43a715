import { describe, expect, it } from '@jest/globals';
import type { ExportTask } from './dataset.types.js';
import { countAnnotations, parseTaskFile, renderTasks, type TaskFileFormat } from './task-file.codec.js';

const t1: ExportTask = { id: 1, annotations: [{ id: 10, result: [], task: 1 }], data: { text: 'Café 🚀 "q" \\ /' } };
const t2: ExportTask = { id: 2, annotations: [], data: { image: '/data/upload/1/a.png' } };

describe('renderTasks', () => {
  it.each<[string, ExportTask[], TaskFileFormat, string]>([
    [
      'json: compact array, raw UTF-8, final newline',
      [t1, t2],
      'json',
      '[{"id":1,"annotations":[{"id":10,"result":[],"task":1}],"data":{"text":"Café 🚀 \\"q\\" \\\\ /"}},' +
        '{"id":2,"annotations":[],"data":{"image":"/data/upload/1/a.png"}}]\n',
    ],
    ['json: empty dataset', [], 'json', '[]\n'],
    [
      'jsonl: one task per line, each line ends with \\n',
      [t1, t2],
      'jsonl',
      '{"id":1,"annotations":[{"id":10,"result":[],"task":1}],"data":{"text":"Café 🚀 \\"q\\" \\\\ /"}}\n' +
        '{"id":2,"annotations":[],"data":{"image":"/data/upload/1/a.png"}}\n',
    ],
    ['jsonl: empty dataset', [], 'jsonl', ''],
  ])('%s', (_name, tasks, layout, expected) => {
    expect(renderTasks(tasks, layout).toString('utf8')).toBe(expected);
  });

  it('escapes a lone surrogate instead of writing invalid UTF-8', () => {
    const content = renderTasks([{ id: 1, annotations: [], data: { t: '\ud83d' } }], 'json');
    expect(content.toString('latin1')).toContain('"\\ud83d"');
  });

  it.each<TaskFileFormat>(['json', 'jsonl'])('%s reads back to the same tasks', (layout) => {
    expect(parseTaskFile(renderTasks([t1, t2], layout), layout)).toEqual({ ok: true, tasks: [t1, t2] });
  });
});

describe('parseTaskFile', () => {
  it.each<[string, string, TaskFileFormat, unknown[]]>([
    [
      'Label Studio’s own export (ujson, \\/ escaped)',
      '[{"id":3,"annotations":[],"data":{"image":"\\/data\\/a.png"}}]',
      'json',
      [{ id: 3, annotations: [], data: { image: '/data/a.png' } }],
    ],
    ['an indented export', '[\n  {\n    "id": 3,\n    "data": {}\n  }\n]', 'json', [{ id: 3, data: {} }]],
    [
      'duplicate ids: the last one wins',
      '[{"id":1,"v":"a"},{"id":2},{"id":1,"v":"b"}]',
      'json',
      [{ id: 2 }, { id: 1, v: 'b' }],
    ],
    [
      'jsonl with CRLF, blank lines and no final newline',
      '{"id":1}\r\n\r\n{"id":"x"}',
      'jsonl',
      [{ id: 1 }, { id: 'x' }],
    ],
  ])('reads %s', (_name, text, layout, tasks) => {
    expect(parseTaskFile(Buffer.from(text), layout)).toEqual({ ok: true, tasks });
  });

  it.each<[string, Buffer, TaskFileFormat, RegExp]>([
    ['not JSON', Buffer.from('{oops'), 'json', /^not JSON/],
    ['an object instead of a list', Buffer.from('{"id": 1}'), 'json', /not a JSON list/],
    ['an item without id', Buffer.from('[{"id":1},{"data":{}}]'), 'json', /item 2 is not a task/],
    ['a scalar item', Buffer.from('[1]'), 'json', /item 1 is not a task/],
    ['a bad jsonl line', Buffer.from('{"id":1}\n{"id":\n'), 'jsonl', /^line 2: not JSON/],
    ['invalid UTF-8', Buffer.from([0x5b, 0xff, 0x5d]), 'jsonl', /not UTF-8/],
  ])('refuses %s with a reason', (_name, content, layout, reason) => {
    const parsed = parseTaskFile(content, layout);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toMatch(reason);
  });
});

describe('countAnnotations', () => {
  it('counts annotation lists, and tolerates tasks without one (a foreign file)', () => {
    const foreign = parseTaskFile(Buffer.from('[{"id":1,"annotations":[{"id":1},{"id":2}]},{"id":2}]'), 'json');
    expect(foreign.ok && countAnnotations(foreign.tasks)).toBe(2);
    expect(countAnnotations([t1, t2])).toBe(1);
  });
});
