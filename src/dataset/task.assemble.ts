import { compareCodePoints } from '../dvc/code-point.order.js';
import type { ExportTask, JsonObject, JsonValue, TaskId } from './dataset.types.js';
import { exportAnnotation } from './annotation.export.js';
import type { BodySource } from './label-studio.body.js';
import { compareTaskIds, taskItemId } from './task-id.order.js';

/**
 * Task fields Label Studio's JSON export leaves out (data_export/serializers.py `BaseExportDataSerializer`
 * Meta `exclude`), though the task nested in a storage body has them.
 */
const NOT_EXPORTED = new Set(['overlap', 'is_labeled', 'precomputed_agreement']);

/** One version of something, with what decides which version is the newest. */
interface Candidate<T> {
  value: T;
  times: number[];
  key: string;
}

/**
 * The task as Label Studio's JSON export would show it, from every stored object that mentions it (all
 * sources must carry the same task id). Rules, so the result never depends on listing order:
 * - annotations: the union by annotation id over per-annotation bodies and task-mode bodies. When one id
 *   appears in several objects (two prefixes, or a task-mode body plus a per-annotation body), the version
 *   with the later `updated_at` wins, then the one from the greater key (code-point order);
 * - task fields: a task-mode body wins over the task snapshots nested in annotation bodies (it is the
 *   export itself); among several, the later task `updated_at`, then (snapshots) the later annotation
 *   `updated_at`, then the greater key. Fields the export omits are dropped, and so is a nested
 *   `file_upload` that is an upload id rather than the file name the export shows;
 * - `total_annotations` / `cancelled_annotations` are recomputed from the annotations kept, as Label Studio
 *   counts them (tasks/serializers.py `add_tasks`: cancelled = `was_cancelled`, total = the others), so a
 *   deleted annotation object also leaves the counts. Other counters (`total_predictions`, comments…) are
 *   whatever Label Studio last wrote: the bodies carry no predictions, drafts or comments to count.
 */
export function assembleTask(sources: readonly BodySource[]): ExportTask {
  const annotations = new Map<string, Candidate<JsonObject>>();
  const taskModes: Candidate<JsonObject>[] = [];
  const snapshots: Candidate<JsonObject>[] = [];
  for (const source of sources) {
    if (source.kind === 'annotation') {
      offer(annotations, { value: source.annotation, times: [time(source.annotation.updated_at)], key: source.key });
      snapshots.push({
        value: source.task,
        times: [time(source.task.updated_at), time(source.annotation.updated_at)],
        key: source.key,
      });
    } else {
      for (const annotation of source.task.annotations) {
        offer(annotations, { value: annotation, times: [time(annotation.updated_at)], key: source.key });
      }
      taskModes.push({ value: source.task, times: [time(source.task.updated_at)], key: source.key });
    }
  }
  const fields = newest(taskModes.length > 0 ? taskModes : snapshots);
  const kept = [...annotations.values()]
    .map((c) => exportAnnotation(c.value))
    .sort((a, b) => compareTaskIds(a.id as TaskId, b.id as TaskId));
  return exportShape(fields, kept);
}

export function sourceTaskId(source: BodySource): TaskId {
  return source.kind === 'annotation' ? source.taskId : source.task.id;
}

function exportShape(fields: JsonObject, annotations: JsonObject[]): ExportTask {
  const cancelled = annotations.filter((a) => a.was_cancelled === true).length;
  const counts: JsonObject = { total_annotations: annotations.length - cancelled, cancelled_annotations: cancelled };
  const rest = Object.entries(fields)
    .filter(
      ([name, value]) =>
        name !== 'id' &&
        name !== 'annotations' &&
        !NOT_EXPORTED.has(name) &&
        (name !== 'file_upload' || typeof value === 'string' || value === null),
    )
    .map(([name, value]): [string, JsonValue] => [name, Object.hasOwn(counts, name) ? counts[name] : value]);
  const missing = Object.entries(counts).filter(([name]) => !Object.hasOwn(fields, name));
  // Key order of the export: id, annotations, then the task's own fields.
  return Object.fromEntries([['id', fields.id], ['annotations', annotations], ...rest, ...missing]) as ExportTask;
}

function offer(byId: Map<string, Candidate<JsonObject>>, candidate: Candidate<JsonObject>): void {
  const id = taskItemId(candidate.value.id as TaskId);
  const current = byId.get(id);
  if (!current || isNewer(candidate, current)) byId.set(id, candidate);
}

function newest(candidates: readonly Candidate<JsonObject>[]): JsonObject {
  return candidates.reduce((best, c) => (isNewer(c, best) ? c : best)).value;
}

/** Later times first (compared in order), then the greater key; a full tie keeps the later candidate. */
function isNewer(a: Candidate<unknown>, b: Candidate<unknown>): boolean {
  for (let i = 0; i < a.times.length; i++) {
    if (a.times[i] !== b.times[i]) return a.times[i] > b.times[i];
  }
  return compareCodePoints(a.key, b.key) >= 0;
}

/** Label Studio writes ISO 8601 times; a missing or unreadable one counts as oldest. */
function time(value: JsonValue | undefined): number {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isNaN(ms) ? -Infinity : ms;
}
