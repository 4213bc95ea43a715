import { compareCodePoints } from '../dvc/code-point.order.js';
import type { ExportTask, RejectedObject, TaskFileBuild } from './dataset.types.js';
import { type BodySource, parseBody } from './label-studio.body.js';
import { assembleTask, sourceTaskId } from './task.assemble.js';
import { countAnnotations, joinTaskLines, taskLine, type TaskFileFormat } from './task-file.codec.js';
import { compareTaskIds, taskItemId } from './task-id.order.js';

interface IndexedObject {
  md5: string | undefined;
  source: BodySource | null;
}

/**
 * The JSON/JSONL dataset kept up to date object by object, so a flush costs O(changed objects) in parsing
 * and assembly: the sync engine feeds it every object once at start, then only the journal's changes.
 * Each object's parse result is cached under its md5 (the storage ETag), each task's rendered line under
 * its id; `build()` re-assembles only tasks whose objects changed, then concatenates the cached lines.
 * Pure in-memory state, no I/O: the engine reads the bytes and calls `put`/`delete`.
 */
export class TaskFileIndex {
  private readonly objects = new Map<string, IndexedObject>();
  private readonly rejected = new Map<string, string>();
  /** task item id → keys of the objects that mention the task */
  private readonly members = new Map<string, Set<string>>();
  private readonly dirty = new Set<string>();
  private readonly rendered = new Map<string, { task: ExportTask; line: Buffer }>();
  private order: string[] | null = [];

  constructor(private readonly layout: TaskFileFormat) {}

  /** Whether `key` is indexed with exactly this content: the engine can skip reading it. */
  isCurrent(key: string, md5: string): boolean {
    return this.objects.get(key)?.md5 === md5;
  }

  /**
   * Adds or replaces one stored object. With an md5 equal to the one already indexed for this key,
   * nothing is parsed again (the md5 names the content).
   */
  put(key: string, body: Uint8Array, md5?: string): void {
    if (md5 !== undefined && this.isCurrent(key, md5)) return;
    this.delete(key);
    const parsed = parseBody(key, body);
    if (parsed.kind === 'rejected') {
      this.rejected.set(key, parsed.reason);
      this.objects.set(key, { md5, source: null });
      return;
    }
    this.objects.set(key, { md5, source: parsed });
    const id = taskItemId(sourceTaskId(parsed));
    const keys = this.members.get(id) ?? new Set<string>();
    this.members.set(id, keys.add(key));
    this.dirty.add(id);
  }

  /** Indexes an object as left out of the dataset without reading it (e.g. far too big to be an annotation). */
  reject(key: string, reason: string, md5: string): void {
    if (this.isCurrent(key, md5)) return;
    this.delete(key);
    this.rejected.set(key, reason);
    this.objects.set(key, { md5, source: null });
  }

  /** Forgets a deleted object; its task loses what the object contributed (or disappears with it). */
  delete(key: string): void {
    const old = this.objects.get(key);
    if (!old) return;
    this.objects.delete(key);
    this.rejected.delete(key);
    if (!old.source) return;
    const id = taskItemId(sourceTaskId(old.source));
    const keys = this.members.get(id)!;
    keys.delete(key);
    if (keys.size === 0) this.members.delete(id);
    this.dirty.add(id);
  }

  /** Item ids (`taskItemId`) of the task this key contributes to: none for a rejected or unknown key. */
  tasksOfKey(key: string): string[] {
    const source = this.objects.get(key)?.source;
    return source ? [taskItemId(sourceTaskId(source))] : [];
  }

  /** The dataset file as of now. */
  build(): TaskFileBuild {
    this.refresh();
    const entries = this.order!.map((id) => this.rendered.get(id)!);
    const tasks = entries.map((entry) => entry.task);
    const rejected: RejectedObject[] = [...this.rejected]
      .map(([key, reason]) => ({ key, reason }))
      .sort((a, b) => compareCodePoints(a.key, b.key));
    return {
      content: joinTaskLines(
        entries.map((entry) => entry.line),
        this.layout,
      ),
      tasks,
      rejected,
      taskCount: tasks.length,
      annotationCount: countAnnotations(tasks),
    };
  }

  private refresh(): void {
    for (const id of this.dirty) {
      const keys = this.members.get(id);
      if (!keys) {
        if (this.rendered.delete(id)) this.order = null;
        continue;
      }
      const task = assembleTask([...keys].map((key) => this.objects.get(key)!.source!));
      if (!this.rendered.has(id)) this.order = null;
      this.rendered.set(id, { task, line: taskLine(task) });
    }
    this.dirty.clear();
    this.order ??= [...this.rendered.keys()].sort((a, b) =>
      compareTaskIds(this.rendered.get(a)!.task.id, this.rendered.get(b)!.task.id),
    );
  }
}
