import type { ExportTask, JsonObject, JsonValue, TaskId } from './dataset.types.js';
import { isJsonObject, parseJsonBytes } from './safe-json.parse.js';
import { isTaskId } from './task-id.order.js';

/**
 * A default Target storage body: `json.dumps(annotation)` of io_storages/serializers.py
 * `StorageAnnotationSerializer`, i.e. one annotation with its task nested under "task" (task fields only).
 * `annotation` is that body with "task" replaced by the task id, in place, as the JSON export writes it.
 */
export interface AnnotationSource {
  kind: 'annotation';
  key: string;
  taskId: TaskId;
  /** The nested task snapshot, as Label Studio serialized it when it wrote this annotation. */
  task: JsonObject;
  annotation: JsonObject;
}

/** A task-mode body (FUTURE_SAVE_TASK_TO_STORAGE): the whole task in the JSON export shape. */
export interface TaskSource {
  kind: 'task';
  key: string;
  task: ExportTask;
}

export type BodySource = AnnotationSource | TaskSource;
export type ParsedBody = BodySource | { kind: 'rejected'; key: string; reason: string };

/** Reads one stored object as Label Studio JSON. Never throws: anything else is `rejected` with a reason. */
export function parseBody(key: string, body: Uint8Array): ParsedBody {
  const parsed = parseJsonBytes(body);
  if (!parsed.ok) return { kind: 'rejected', key, reason: parsed.reason };
  const value = parsed.value;
  if (!isJsonObject(value))
    return { kind: 'rejected', key, reason: `a JSON ${describe(value)}, not one Label Studio annotation or task` };
  if (Object.hasOwn(value, 'task') && value.task !== null) return annotationSource(key, value);
  if (Array.isArray(value.annotations)) return taskSource(key, value);
  return {
    kind: 'rejected',
    key,
    reason: 'a JSON object that is neither an annotation (no "task") nor a task (no "annotations" list)',
  };
}

function annotationSource(key: string, body: JsonObject): ParsedBody {
  if (!isTaskId(body.id)) return { kind: 'rejected', key, reason: 'annotation without a valid "id"' };
  // The JSON export writes "task" as the id; a body that already does (e.g. a copied export item) is accepted too.
  const task = isTaskId(body.task) ? { id: body.task } : body.task;
  if (!isJsonObject(task) || !isTaskId(task.id))
    return { kind: 'rejected', key, reason: 'annotation whose "task" has no valid "id"' };
  const annotation = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, k === 'task' ? task.id : v]));
  return { kind: 'annotation', key, taskId: task.id, task, annotation };
}

function taskSource(key: string, body: JsonObject): ParsedBody {
  if (!isTaskId(body.id)) return { kind: 'rejected', key, reason: 'task without a valid "id"' };
  const annotations = body.annotations as JsonValue[];
  const bad = annotations.findIndex((a) => !isJsonObject(a) || !isTaskId(a.id));
  if (bad !== -1)
    return { kind: 'rejected', key, reason: `task ${JSON.stringify(body.id)}: annotations[${bad}] has no valid "id"` };
  return { kind: 'task', key, task: body as ExportTask };
}

function describe(value: JsonValue): string {
  if (Array.isArray(value)) return 'array';
  return value === null ? 'null' : typeof value;
}
