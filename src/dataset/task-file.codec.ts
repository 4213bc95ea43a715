import type { ExportTask, JsonValue } from './dataset.types.js';
import { decodeFailure, isJsonObject, MAX_JSON_DEPTH, parseJsonBytes, parseJsonText } from './safe-json.parse.js';
import { isTaskId, taskItemId } from './task-id.order.js';

export type TaskFileFormat = 'json' | 'jsonl';

/**
 * One task as it is written in the file. Label Studio's JSON export (data_export/models.py
 * `DataExport.generate_export_file`: `ujson.dumps(tasks, ensure_ascii=False)`, copied unchanged by the
 * converter for exportType=JSON) is compact, without indentation, non-ASCII as raw UTF-8: so is this.
 * Two deliberate differences: `/` is not written as `\/` (ujson's default; both read back the same, and
 * URLs stay greppable), and numbers are re-serialized by JS (`3.0` → `3`, `1e-07` → `1e-7`).
 */
export function taskLine(task: ExportTask): Buffer {
  return Buffer.from(JSON.stringify(task), 'utf8');
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']\n');
const NEWLINE = Buffer.from('\n');

/**
 * The dataset file from task lines already in file order. `.json`: one array, like the export, plus a
 * final newline (Label Studio writes none; every JSON reader ignores it and POSIX tools want it) — `[]\n`
 * when empty. `.jsonl`: one task per line, every line ending in `\n` — an empty file when empty.
 * Buffers, not one string: a large dataset can exceed V8's maximum string length.
 */
export function joinTaskLines(lines: readonly Buffer[], layout: TaskFileFormat): Buffer {
  if (layout === 'jsonl') return Buffer.concat(lines.flatMap((line) => [line, NEWLINE]));
  return Buffer.concat([OPEN, ...lines.flatMap((line, i) => (i === 0 ? [line] : [COMMA, line])), CLOSE]);
}

export function renderTasks(tasks: readonly ExportTask[], layout: TaskFileFormat): Buffer {
  return joinTaskLines(tasks.map(taskLine), layout);
}

/** Annotations in these tasks; a task from a foreign file may have no `annotations` list at all. */
export function countAnnotations(tasks: readonly ExportTask[]): number {
  return tasks.reduce((sum, task) => sum + (Array.isArray(task.annotations) ? task.annotations.length : 0), 0);
}

export type TaskFileParse = { ok: true; tasks: ExportTask[] } | { ok: false; reason: string };

/**
 * Reads a dataset file back (a teammate's version, for the merge). Every item must be an object with a task
 * id; nothing else about it is required (not even `annotations`), and it is kept as it is. A task id listed twice keeps its last
 * occurrence (as Python's dict would). Never throws.
 */
export function parseTaskFile(content: Uint8Array, layout: TaskFileFormat): TaskFileParse {
  // A task sits two or three levels below a stored body's root (array → task → annotations → annotation).
  const maxDepth = MAX_JSON_DEPTH + 3;
  let items: JsonValue[];
  if (layout === 'json') {
    const parsed = parseJsonBytes(content, maxDepth);
    if (!parsed.ok) return parsed;
    if (!Array.isArray(parsed.value)) return { ok: false, reason: 'not a JSON list of tasks' };
    items = parsed.value;
  } else {
    const lines = splitLines(content);
    if (!lines.ok) return lines;
    items = [];
    for (const [i, line] of lines.lines.entries()) {
      if (line.trim() === '') continue;
      const parsed = parseJsonText(line, maxDepth);
      if (!parsed.ok) return { ok: false, reason: `line ${i + 1}: ${parsed.reason}` };
      items.push(parsed.value);
    }
  }
  const byId = new Map<string, ExportTask>();
  for (const [i, item] of items.entries()) {
    if (!isJsonObject(item) || !isTaskId(item.id))
      return { ok: false, reason: `item ${i + 1} is not a task with an "id"` };
    const id = taskItemId(item.id);
    byId.delete(id); // the last occurrence also takes the last place
    byId.set(id, item as ExportTask);
  }
  return { ok: true, tasks: [...byId.values()] };
}

function splitLines(content: Uint8Array): { ok: true; lines: string[] } | { ok: false; reason: string } {
  try {
    return { ok: true, lines: new TextDecoder('utf-8', { fatal: true }).decode(content).split('\n') };
  } catch (error) {
    return { ok: false, reason: decodeFailure(error) };
  }
}
