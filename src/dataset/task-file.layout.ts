import { md5Hex } from '../dvc/md5.util.js';
import type {
  DatasetLayout,
  DatasetVersion,
  OursInput,
  OursSnapshot,
  PushedItem,
  RemoteReader,
  StoredObjects,
} from './dataset-layout.port.js';
import type { ExportTask } from './dataset.types.js';
import { jsonEqual } from './json.equal.js';
import { sortedDiff, type DatasetDiff } from './manifest.changes.js';
import { mergeTasks } from './task.merge.js';
import { parseTaskFile, renderTasks, type TaskFileFormat } from './task-file.codec.js';
import { TaskFileIndex } from './task-file.index.js';
import { compareTaskIds, taskItemId } from './task-id.order.js';

/** Larger objects are left out of a task file unread: Label Studio's annotation and task bodies are kilobytes. */
export const MAX_TASK_OBJECT_BYTES = 64 * 1024 * 1024;

/**
 * The JSON and JSONL layouts: one file of Label Studio export-shaped tasks. Parsing is incremental: the
 * TaskFileIndex is a parse cache (object key + md5 → its tasks), filled from every stored object on first use and
 * then fed the changed keys; an entry is used only while the object still has its md5, so what a flush builds
 * never depends on what an earlier one did. The file itself is rendered whole, as a single DVC object must be.
 */
export class TaskFileLayout implements DatasetLayout<ExportTask> {
  readonly isDirectory = false;
  private readonly index: TaskFileIndex;
  private loaded = false;

  constructor(private readonly format: TaskFileFormat) {
    this.index = new TaskFileIndex(format);
  }

  decode(item: PushedItem): ExportTask {
    return JSON.parse(item.value) as ExportTask;
  }

  encode(id: string, task: ExportTask): PushedItem {
    const value = JSON.stringify(task);
    return { id, hash: md5Hex(value), value };
  }

  async ours(input: OursInput<ExportTask>): Promise<OursSnapshot<ExportTask>> {
    const { objects, base, changedKeys, fullRebuild } = input;
    if (!this.loaded) await this.loadEverything(objects);
    const before = input.lastPushedItemsOf(changedKeys);
    const keyItems = new Map<string, string[]>();
    for (const key of changedKeys) {
      await this.refresh(objects, key);
      keyItems.set(key, this.index.tasksOfKey(key));
    }
    const build = this.index.build();
    const fromStorage = new Map(build.tasks.map((task) => [taskItemId(task.id), task]));
    const touched = new Set<string>();
    for (const key of changedKeys)
      for (const id of [...(before.get(key) ?? []), ...keyItems.get(key)!]) touched.add(id);
    const items = fullRebuild ? new Map(fromStorage) : new Map(base);
    if (fullRebuild) for (const id of [...base.keys(), ...fromStorage.keys()]) touched.add(id);
    for (const id of touched) {
      const task = fromStorage.get(id);
      if (task) items.set(id, task);
      else items.delete(id);
    }
    const diff = keyDiff(changedKeys, before, keyItems, (id) => this.sameTask(base.get(id), items.get(id)));
    return { items, touched, diff, keyItems, rejected: build.rejected, offered: new Map() };
  }

  async theirs(hash: string, read: RemoteReader): Promise<Map<string, ExportTask> | undefined> {
    if (hash.endsWith('.dir')) return undefined;
    const content = await read(hash);
    if (!content) return undefined;
    const parsed = parseTaskFile(content, this.format);
    return parsed.ok ? new Map(parsed.tasks.map((task) => [taskItemId(task.id), task])) : undefined;
  }

  merge(
    base: ReadonlyMap<string, ExportTask>,
    ours: ReadonlyMap<string, ExportTask>,
    theirs: ReadonlyMap<string, ExportTask>,
  ) {
    const { tasks, conflicts } = mergeTasks([...base.values()], [...ours.values()], [...theirs.values()]);
    return { items: new Map(tasks.map((task) => [taskItemId(task.id), task])), conflicts: conflicts.length };
  }

  /** One file, always offered: nothing of the teammate's to check. */
  filesToVerify(): string[] {
    return [];
  }

  materialize(items: Map<string, ExportTask>): Promise<DatasetVersion> {
    const ordered = [...items.values()].sort((a, b) => compareTaskIds(a.id, b.id)); // the file order
    const content = renderTasks(ordered, this.format);
    const hash = md5Hex(content);
    return Promise.resolve({
      hash,
      size: content.length,
      files: [{ hash, source: () => content, size: content.length }],
    });
  }

  private sameTask(a: ExportTask | undefined, b: ExportTask | undefined): boolean {
    return a === undefined || b === undefined ? a === b : jsonEqual(a, b);
  }

  /** Brings one key of the index up to date with storage. */
  private async refresh(objects: StoredObjects, key: string): Promise<void> {
    const meta = await objects.head(key);
    if (meta && this.index.isCurrent(key, meta.md5)) return;
    if (meta && meta.size > MAX_TASK_OBJECT_BYTES) {
      // A multipart upload can store gigabytes under one key: never read such an object into memory to parse it.
      this.index.reject(
        key,
        `too big for a Label Studio annotation (${meta.size} bytes; at most ${MAX_TASK_OBJECT_BYTES})`,
        meta.md5,
      );
      return;
    }
    const read = meta && (await objects.read(key));
    if (read) this.index.put(key, read.bytes, read.md5);
    else this.index.delete(key);
  }

  private async loadEverything(objects: StoredObjects): Promise<void> {
    for await (const keys of objects.keys()) for (const key of keys) await this.refresh(objects, key);
    this.loaded = true;
  }
}

/**
 * What the changed keys did to the dataset, for the commit message: a key is in the dataset while it
 * contributes to a task (a rejected object never is), and updated only when one of its tasks changed.
 */
function keyDiff(
  keys: readonly string[],
  before: Map<string, string[]>,
  after: Map<string, string[]>,
  unchanged: (id: string) => boolean,
): DatasetDiff {
  const diff: DatasetDiff = { added: [], updated: [], deleted: [] };
  for (const key of keys) {
    const [was, now] = [before.get(key) ?? [], after.get(key) ?? []];
    if (was.length === 0 && now.length > 0) diff.added.push(key);
    else if (was.length > 0 && now.length === 0) diff.deleted.push(key);
    else if (now.length > 0 && ![...was, ...now].every(unchanged)) diff.updated.push(key);
  }
  return sortedDiff(diff);
}
