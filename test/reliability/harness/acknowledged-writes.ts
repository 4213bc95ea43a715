import { annotationBody, labelsByTask } from '../../sync/harness/label-studio-bodies.js';

/**
 * What the service acknowledged, and nothing else: a write enters only once its PUT or DELETE answered 2xx.
 * The expectations a pulled dataset is compared with are derived from this record, written out by hand
 * (never recomputed with the service's own dataset code).
 */
export class AcknowledgedWrites {
  private readonly bodies = new Map<string, string>();
  private readonly labels = new Map<string, { task: number; id: number; choice: string }>();

  /** A Label Studio annotation body for `labels/<id>` (the key doubles as the relpath of a directory dataset). */
  static annotation(id: number, task: number, choice: string, version = 1): { key: string; body: string } {
    const updatedAt = new Date(Date.UTC(2024, 6, 1, 10, 0, version)).toISOString();
    return { key: `labels/${id}`, body: annotationBody({ id, task, text: `task ${task}`, choice, updatedAt }) };
  }

  put(key: string, body: string, label?: { task: number; id: number; choice: string }): void {
    this.bodies.set(key, body);
    if (label) this.labels.set(key, label);
    else this.labels.delete(key);
  }

  delete(key: string): void {
    this.bodies.delete(key);
    this.labels.delete(key);
  }

  /** A directory dataset: relpath → text (keys here need no escaping). */
  directory(): Record<string, string> {
    return Object.fromEntries([...this.bodies].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  /** A JSON dataset, as `labelsByTask` reads it: task id → [annotation id, choice], annotations by id. */
  tasks(): ReturnType<typeof labelsByTask> {
    const byTask = new Map<number, Array<[number, string]>>();
    for (const { task, id, choice } of this.labels.values())
      byTask.set(task, [...(byTask.get(task) ?? []), [id, choice]]);
    return Object.fromEntries([...byTask].map(([task, labels]) => [task, labels.sort((a, b) => a[0] - b[0])] as const));
  }
}
