import { buffer } from 'node:stream/consumers';
import { compareCodePoints } from '../dvc/code-point.order.js';
import type { ExportTask } from '../dataset/dataset.types.js';
import { jsonEqual } from '../dataset/json.equal.js';
import type { DatasetDiff } from '../dataset/manifest.changes.js';
import { mergeTasks } from '../dataset/task.merge.js';
import { parseTaskFile, renderTasks, type TaskFileLayout } from '../dataset/task-file.codec.js';
import { TaskFileIndex } from '../dataset/task-file.index.js';
import { compareTaskIds, taskItemId } from '../dataset/task-id.order.js';
import { md5Hex } from '../dvc/md5.util.js';
import { StorageBackend } from '../storage/storage.backend.js';
import { StorageError } from '../storage/storage.errors.js';
import type { DatasetStrategy, MaterializedDataset, OursSnapshot } from './dataset-strategy.types.js';
import type { PushedItem, SyncStateStore } from './sync-state.store.js';

const PAGE = 1000;

/**
 * The JSON and JSONL layouts: one file of Label Studio export-shaped tasks. Parsing is incremental
 * (TaskFileIndex, filled once per process, then fed the journal's changes); the file itself is rendered
 * whole, as a single DVC object must be.
 */
export class TaskFileStrategy implements DatasetStrategy<ExportTask> {
  readonly isDirectory = false;
  private readonly index: TaskFileIndex;
  private loaded = false;

  constructor(
    private readonly layout: TaskFileLayout,
    private readonly storage: StorageBackend,
    private readonly state: SyncStateStore,
  ) {
    this.index = new TaskFileIndex(layout);
  }

  decode(item: PushedItem): ExportTask {
    return JSON.parse(item.value) as ExportTask;
  }

  encode(id: string, task: ExportTask): PushedItem {
    const value = JSON.stringify(task);
    return { id, hash: md5Hex(value), value };
  }

  async ours(
    base: Map<string, ExportTask>,
    changedKeys: string[],
    fullRebuild: boolean,
  ): Promise<OursSnapshot<ExportTask>> {
    if (!this.loaded) await this.loadEverything();
    const before = this.state.itemsOfKeys(changedKeys);
    const keyItems = new Map<string, string[]>();
    for (const key of changedKeys) {
      await this.refresh(key);
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
    return { items, touched, diff, keyItems, rejected: build.rejected };
  }

  async theirs(
    hash: string,
    read: (id: string) => Promise<Buffer | undefined>,
  ): Promise<Map<string, ExportTask> | undefined> {
    if (hash.endsWith('.dir')) return undefined;
    const content = await read(hash);
    if (!content) return undefined;
    const parsed = parseTaskFile(content, this.layout);
    return parsed.ok ? new Map(parsed.tasks.map((task) => [taskItemId(task.id), task])) : undefined;
  }

  merge(base: Map<string, ExportTask>, ours: Map<string, ExportTask>, theirs: Map<string, ExportTask>) {
    const { tasks, conflicts } = mergeTasks([...base.values()], [...ours.values()], [...theirs.values()]);
    return { items: new Map(tasks.map((task) => [taskItemId(task.id), task])), conflicts: conflicts.length };
  }

  /** One file, always offered: nothing of the teammate's to check. */
  filesToVerify(): string[] {
    return [];
  }

  async materialize(items: Map<string, ExportTask>): Promise<MaterializedDataset> {
    const ordered = [...items.values()].sort((a, b) => compareTaskIds(a.id, b.id)); // the file order
    const content = renderTasks(ordered, this.layout);
    const hash = md5Hex(content);
    return { hash, size: content.length, files: [{ hash, source: () => content, size: content.length }] };
  }

  private sameTask(a: ExportTask | undefined, b: ExportTask | undefined): boolean {
    return a === undefined || b === undefined ? a === b : jsonEqual(a, b);
  }

  /** Brings one key of the index up to date with storage; false when the object is gone. */
  private async refresh(key: string): Promise<boolean> {
    try {
      const meta = await this.storage.headObject(key);
      if (this.index.isCurrent(key, meta.md5)) return true;
      const { meta: read, body } = await this.storage.getObject(key);
      this.index.put(key, await buffer(body), read.md5);
      return true;
    } catch (error) {
      if (!(error instanceof StorageError && error.code === 'NoSuchKey')) throw error;
      this.index.delete(key);
      return false;
    }
  }

  private async loadEverything(): Promise<void> {
    let after: string | undefined;
    for (;;) {
      const page = await this.storage.listObjects({ prefix: '', after, limit: PAGE });
      for (const meta of page) await this.refresh(meta.key);
      if (page.length < PAGE) break;
      after = page[page.length - 1].key;
    }
    this.loaded = true;
  }
}

/**
 * What the changed keys did to the dataset, for the commit message: a key is in the dataset while it
 * contributes to a task (a rejected object never is), and updated only when one of its tasks changed.
 */
function keyDiff(
  keys: string[],
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
  for (const list of Object.values(diff)) list.sort(compareCodePoints);
  return diff;
}
