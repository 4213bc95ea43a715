import type { DatasetObjects } from '../dvc/dataset.pusher.js';
import type { ObjectSource, StagedObject } from '../dvc/dvc.remote.js';
import type { RejectedObject } from './dataset.types.js';
import type { DatasetDiff } from './manifest.changes.js';

/**
 * The stored objects as a dataset layout sees them: read-only, by key. The sync loop hands a layout this port over
 * the storage backend (`StoredObjectsReader`); a layout never writes to storage nor sees how it keeps objects.
 */
export interface StoredObjects {
  /** md5 and size of the object under `key`, or undefined when there is none. */
  head(key: string): Promise<{ md5: string; size: number } | undefined>;
  /** The object's bytes and their md5, or undefined when there is none. */
  read(key: string): Promise<{ md5: string; bytes: Buffer } | undefined>;
  /** Every key, in key order, a page at a time. */
  keys(): AsyncIterable<string[]>;
  /**
   * The bytes of the object for a DVC upload, opened only when the upload starts; the stream fails with
   * `ObjectChangedError` when the object no longer has the planned md5 and size by then (a PUT or DELETE raced the
   * flush).
   */
  source(key: string, planned: { md5: string; size: number }): ObjectSource;
}

/** One item of the last pushed dataset as the sync state keeps it between flushes (the merge base). */
export interface PushedItem {
  id: string;
  hash: string;
  /** JSON of the item (a task, or `{ md5, size }` of a file). */
  value: string;
}

/** What a flush asks of the layout: the changed keys, on top of what was pushed last. */
export interface OursInput<T> {
  objects: StoredObjects;
  /**
   * id → item of the last push (empty on a full rebuild), handed over to this flush: `ours` may change it and return
   * it as its items, rather than copy every item (the loop reads the last push again from the sync state when it
   * needs it afterwards: for a merge, or for the next attempt).
   */
  base: Map<string, T>;
  changedKeys: readonly string[];
  /** True when the dataset is built from every stored object (first flush, or the dataset's settings changed). */
  fullRebuild: boolean;
  /** Per key, the item ids it contributed to at the last push (from the sync state). */
  lastPushedItemsOf(keys: readonly string[]): Map<string, string[]>;
}

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
  /** md5 → where to read it, for the stored objects this flush may upload as they are (directory layout). */
  offered: Map<string, ObjectSource>;
}

/** One version of the dataset, ready to push: its DVC objects plus what its `.dvc` records. */
export interface DatasetVersion extends DatasetObjects {
  /** `<md5>` for a file output, `<md5>.dir` for a directory output. */
  hash: string;
  size: number;
  nfiles?: number;
}

/** Reads an object back from the DVC remote (a teammate's version to merge); undefined when it is not there. */
export type RemoteReader = (id: string) => Promise<Buffer | undefined>;

/**
 * A dataset layout: how stored objects become the dataset that gets versioned (docs/architecture.md, "Adding a
 * dataset layout"). `T` is one item of the dataset (a file of the directory, a task of the task file). The sync
 * loop drives the rest (fetch, merge, push order, commit, retry) the same way for every layout; every method is a
 * function of its arguments.
 */
export interface DatasetLayout<T> {
  /** A directory output (`.dir` object, `nfiles`) rather than one file. */
  readonly isDirectory: boolean;
  decode(item: PushedItem): T;
  encode(id: string, item: T): PushedItem;
  ours(input: OursInput<T>): Promise<OursSnapshot<T>>;
  /** A teammate's version of the dataset, read back from the DVC remote; undefined if unreadable. */
  theirs(hash: string, read: RemoteReader): Promise<Map<string, T> | undefined>;
  merge(
    base: ReadonlyMap<string, T>,
    ours: ReadonlyMap<string, T>,
    theirs: ReadonlyMap<string, T>,
  ): { items: Map<string, T>; conflicts: number };
  /**
   * The DVC objects of `items`; `offered` are the stored objects `ours` found changed. It completes `items` with what
   * it had to read back from the remote (the sizes of a teammate's files, which their `.dir` does not record), so
   * that the loop records complete items. A `.dir` may be handed to `stage` as soon as its bytes exist, before its
   * md5 is computed (the version's `dirObject.staged`); a layout that stages and then fails discards it.
   */
  materialize(
    items: Map<string, T>,
    offered: ReadonlyMap<string, ObjectSource>,
    read: RemoteReader,
    stage?: (content: Buffer) => StagedObject,
  ): Promise<DatasetVersion>;
  /**
   * After a merge: objects the dataset lists that neither we pushed before (`base`) nor offer now — a teammate's,
   * which must already be on the remote before a `.dir` may name them.
   */
  filesToVerify(base: ReadonlyMap<string, T>, items: ReadonlyMap<string, T>, version: DatasetVersion): string[];
  /**
   * Optional: derives ahead of time, from the items of the last push read back at startup, what the next flush's
   * `ours` and `materialize` would otherwise compute first (the directory layout: its `.dir` listing).
   */
  prepare?(items: Map<string, T>): Promise<void>;
}
