import type { ObjectSource } from '../dvc/dvc.remote.js';
import type { DatasetDiff } from '../dataset/manifest.changes.js';
import type { RejectedObject } from '../dataset/dataset.types.js';
import type { PushedItem } from './sync-state.store.js';

/** Our side of a flush, before any merge: the items of the dataset as storage now says they are. */
export interface OursSnapshot<T> {
  /** id → item, for the whole dataset (last pushed items with the changed ones replaced). */
  items: Map<string, T>;
  /** Ids whose item this flush recomputed from storage. */
  touched: Set<string>;
  diff: DatasetDiff;
  /** Per changed key, the item ids it now contributes to (empty for a deleted key). */
  keyItems: Map<string, string[]>;
  rejected: RejectedObject[];
}

/** The dataset ready to push: DVC objects plus what the `.dvc` records. */
export interface MaterializedDataset {
  /** `<md5>` for a file output, `<md5>.dir` for a directory output. */
  hash: string;
  size: number;
  nfiles?: number;
  files: Array<{ hash: string; source: ObjectSource; size?: number }>;
  dirObject?: { hash: string; content: Buffer };
}

/**
 * What differs between the layouts (directory mirror vs. one JSON/JSONL task file). The flush runner
 * drives the rest — fetch, merge, push order, commit, retry — the same way for both.
 */
export interface DatasetStrategy<T> {
  readonly isDirectory: boolean;
  /** Items of the last push, from the sync state. */
  decode(item: PushedItem): T;
  encode(id: string, item: T): PushedItem;
  ours(base: Map<string, T>, changedKeys: string[], fullRebuild: boolean): Promise<OursSnapshot<T>>;
  /** A teammate's version of the dataset, read back from the DVC remote; undefined if unreadable. */
  theirs(hash: string, read: (id: string) => Promise<Buffer | undefined>): Promise<Map<string, T> | undefined>;
  merge(
    base: Map<string, T>,
    ours: Map<string, T>,
    theirs: Map<string, T>,
  ): { items: Map<string, T>; conflicts: number };
  materialize(items: Map<string, T>, read: (id: string) => Promise<Buffer | undefined>): Promise<MaterializedDataset>;
  /**
   * After a merge: objects the dataset lists that neither we pushed before (`base`) nor offer now — a teammate's,
   * which must already be on the remote before a `.dir` may name them.
   */
  filesToVerify(base: Map<string, T>, items: Map<string, T>, dataset: MaterializedDataset): string[];
}
