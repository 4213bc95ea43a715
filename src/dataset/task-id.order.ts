import { compareCodePoints } from '../dvc/code-point.order.js';
import type { JsonValue, TaskId } from './dataset.types.js';

/** An id we can group and sort by: a finite number (Label Studio's integers) or a non-empty string. */
export function isTaskId(value: JsonValue | undefined): value is TaskId {
  return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value !== '');
}

/**
 * Dataset order for task and annotation ids: numbers first, numerically (task 9 before task 10, unlike a
 * text sort); then string ids by code point. `5` and `"5"` are different ids, as they are in the JSON.
 */
export function compareTaskIds(a: TaskId, b: TaskId): number {
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return compareCodePoints(a, b);
}

/** A string that identifies an id in maps and in the sync state (`5` and `"5"` stay apart). */
export function taskItemId(id: TaskId): string {
  return JSON.stringify(id);
}
