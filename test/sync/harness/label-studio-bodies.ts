/**
 * Target-storage bodies shaped like Label Studio's (docs/label-studio.md: `json.dumps` of one annotation with its
 * task nested under "task"; task mode: the whole task with its `annotations`), written the way Python writes
 * them: `, ` and `: ` separators, non-ASCII as `\uXXXX`.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface AnnotationSpec {
  id: number;
  task: number;
  /** The task's text (may hold any unicode). */
  text: string;
  /** The one choice of the annotation's result: what a data scientist reads back. */
  choice: string;
  /** ISO time of this version; a later update has a later one. */
  updatedAt: string;
}

/** Python's `json.dumps(value)` (ensure_ascii=True, default separators). */
export function pythonJsonDumps(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${asciiJson(k)}: ${pythonJsonDumps(v)}`)
      .join(', ')}}`;
  }
  return asciiJson(value);
}

const asciiJson = (value: Json) =>
  JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

function annotationFields(a: AnnotationSpec): { [key: string]: Json } {
  return {
    id: a.id,
    result: [
      {
        value: { choices: [a.choice] },
        id: `r${a.id}`,
        from_name: 'sentiment',
        to_name: 'text',
        type: 'choices',
        origin: 'manual',
      },
    ],
    completed_by: { id: 1, first_name: 'Zoë', last_name: '', email: 'zoe@example.com' },
    was_cancelled: false,
    ground_truth: false,
    created_at: '2024-05-01T10:00:00.000000Z',
    updated_at: a.updatedAt,
    lead_time: 4.5,
    project: 1,
  };
}

function taskFields(id: number, text: string, updatedAt: string): { [key: string]: Json } {
  return {
    id,
    data: { text },
    meta: {},
    created_at: '2024-05-01T09:00:00.000000Z',
    updated_at: updatedAt,
    is_labeled: true,
    overlap: 1,
    inner_id: id,
    project: 1,
  };
}

/** The default body of `PUT <prefix>/<annotation id>`. */
export function annotationBody(a: AnnotationSpec): string {
  return pythonJsonDumps({ ...annotationFields(a), task: taskFields(a.task, a.text, a.updatedAt) });
}

/** Task `n` with one annotation `100 + n` (`label n`): its body under `exports//<annotation id>`. */
export const numberedAnnotation = (n: number): Record<string, string> => ({
  [`exports//${100 + n}`]: annotationBody({
    id: 100 + n,
    task: n,
    text: `task ${n}`,
    choice: `label ${n}`,
    updatedAt: '2024-07-01T10:00:00Z',
  }),
});

/** The task-mode body of `PUT <prefix>/<task id>.json` (FUTURE_SAVE_TASK_TO_STORAGE). */
export function taskModeBody(
  task: { id: number; text: string; updatedAt: string },
  annotations: Omit<AnnotationSpec, 'task' | 'text'>[],
): string {
  const { is_labeled: _labeled, overlap: _overlap, ...fields } = taskFields(task.id, task.text, task.updatedAt);
  return pythonJsonDumps({
    id: task.id,
    annotations: annotations.map((a) => ({
      ...annotationFields({ ...a, task: task.id, text: task.text }),
      task: task.id,
    })),
    ...fields,
    total_annotations: annotations.length,
    cancelled_annotations: 0,
  });
}

/** One task of the dataset file, as far as these tests read it. */
export interface DatasetTask {
  id: number;
  data: { text: string };
  annotations: Array<{ id: number; task: unknown; result: Array<{ value: { choices: string[] } }> }>;
  total_annotations?: number;
  [field: string]: unknown;
}

/** `task id → [annotation id, its choice]…`: the dataset as a data scientist reads it. */
export function labelsByTask(tasks: DatasetTask[]): Record<number, Array<[number, string]>> {
  return Object.fromEntries(
    tasks.map((task) => [
      task.id,
      task.annotations.map((a) => [a.id, a.result[0]?.value.choices[0]] as [number, string]),
    ]),
  );
}

/** Parses a `.json` (array) or `.jsonl` (one task per line) dataset file. */
export function parseDatasetFile(content: Buffer, layout: 'json' | 'jsonl'): DatasetTask[] {
  const text = content.toString('utf8');
  if (layout === 'json') return JSON.parse(text) as DatasetTask[];
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as DatasetTask);
}
