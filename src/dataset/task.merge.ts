import type { ExportTask, TaskId } from './dataset.types.js';
import { jsonEqual } from './json.equal.js';
import { compareTaskIds, taskItemId } from './task-id.order.js';
import { mergeThreeWay } from './three-way.merge.js';

export interface TaskMerge {
  /** In file order (by id). */
  tasks: ExportTask[];
  /** Ids of tasks both sides changed differently; ours was kept. */
  conflicts: TaskId[];
}

/**
 * The JSON/JSONL layouts merged task by task (see `mergeThreeWay`), a task being identified by its id and
 * compared by content, whatever its key order. base = our previous build, ours = our new build,
 * theirs = the teammate's file read back from the DVC remote (`parseTaskFile`).
 */
export function mergeTasks(
  base: readonly ExportTask[],
  ours: readonly ExportTask[],
  theirs: readonly ExportTask[],
): TaskMerge {
  const byId = (tasks: readonly ExportTask[]) => new Map(tasks.map((task) => [taskItemId(task.id), task]));
  const { merged, conflicts } = mergeThreeWay(byId(base), byId(ours), byId(theirs), jsonEqual);
  const tasks = [...merged.values()].sort((a, b) => compareTaskIds(a.id, b.id));
  // `taskItemId` is the JSON of the id, so parsing it gives the id back.
  const conflictIds = conflicts.map((id) => JSON.parse(id) as TaskId).sort(compareTaskIds);
  return { tasks, conflicts: conflictIds };
}
