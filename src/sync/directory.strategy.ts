import { setImmediate as nextTurn } from 'node:timers/promises';
import { buildDirObject, parseDirObject } from '../dvc/dir-object.codec.js';
import type { Manifest, ManifestEntry } from '../dataset/dataset.types.js';
import { applyChanges, type ManifestChange } from '../dataset/manifest.changes.js';
import { mergeManifests } from '../dataset/manifest.merge.js';
import { keyToRelativePath } from '../dataset/object-key.relpath.js';
import { StorageBackend } from '../storage/storage.backend.js';
import { StorageError } from '../storage/storage.errors.js';
import type { DatasetStrategy, MaterializedDataset, OursSnapshot } from './dataset-strategy.types.js';
import type { PushedItem } from './sync-state.store.js';
import { lazyObjectSource } from './object-source.factory.js';

/** Keys looked up between two turns of the event loop. */
const YIELD_EVERY = 200;

/** Size unknown: a teammate's file, listed in their `.dir` (which records no sizes). */
const UNKNOWN_SIZE = -1;

/**
 * The directory layout: one file per object, bytes unchanged. A flush costs O(changes): the previous
 * manifest comes from the sync state, only changed keys are looked up, and only their objects are offered
 * to the remote (the `.dir` itself is O(n) bytes, which DVC's format imposes).
 */
export class DirectoryStrategy implements DatasetStrategy<ManifestEntry> {
  readonly isDirectory = true;
  /** md5 → key, for the objects this flush offers to upload. */
  private sources = new Map<string, string>();

  constructor(private readonly storage: StorageBackend) {}

  decode(item: PushedItem): ManifestEntry {
    return JSON.parse(item.value) as ManifestEntry;
  }

  encode(id: string, item: ManifestEntry): PushedItem {
    return { id, hash: item.md5, value: JSON.stringify({ md5: item.md5, size: item.size }) };
  }

  async ours(base: Map<string, ManifestEntry>, changedKeys: string[]): Promise<OursSnapshot<ManifestEntry>> {
    this.sources = new Map();
    const changes: ManifestChange[] = [];
    const keyItems = new Map<string, string[]>();
    for (const [i, key] of changedKeys.entries()) {
      // headObject answers from the index without I/O: its awaits resolve as microtasks, so thousands of keys would
      // run as one block of the event loop. Yield now and then, so that PUTs keep being served (invariant 7).
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await nextTurn();
      const meta = await this.storage.headObject(key).catch((error: unknown) => {
        if (error instanceof StorageError && error.code === 'NoSuchKey') return undefined;
        throw error;
      });
      if (meta) {
        changes.push({ key, op: 'put', md5: meta.md5, size: meta.size });
        this.sources.set(meta.md5, key);
        keyItems.set(key, [keyToRelativePath(key)]);
      } else {
        changes.push({ key, op: 'delete' });
        keyItems.set(key, []);
      }
    }
    const { manifest, diff } = applyChanges(base, changes);
    const touched = new Set(changedKeys.map(keyToRelativePath));
    return { items: manifest, touched, diff, keyItems, rejected: [] };
  }

  async theirs(
    hash: string,
    read: (id: string) => Promise<Buffer | undefined>,
  ): Promise<Map<string, ManifestEntry> | undefined> {
    if (!hash.endsWith('.dir')) return undefined; // the teammate turned the dataset into a file: not mergeable
    const content = await read(hash);
    if (!content) return undefined;
    return new Map(
      parseDirObject(content, hash).map((entry) => [entry.relpath, { md5: entry.md5, size: UNKNOWN_SIZE }]),
    );
  }

  merge(base: Manifest, ours: Manifest, theirs: Map<string, ManifestEntry>) {
    // Sizes of files we know (same md5) replace the unknown ones of the teammate's listing.
    const known = new Map<string, number>();
    for (const entry of [...base.values(), ...ours.values()]) known.set(entry.md5, entry.size);
    for (const [relpath, entry] of theirs) {
      if (entry.size === UNKNOWN_SIZE && known.has(entry.md5))
        theirs.set(relpath, { md5: entry.md5, size: known.get(entry.md5)! });
    }
    const { manifest, conflicts } = mergeManifests(base, ours, theirs);
    return { items: manifest, conflicts: conflicts.length };
  }

  filesToVerify(
    base: Map<string, ManifestEntry>,
    items: Map<string, ManifestEntry>,
    dataset: MaterializedDataset,
  ): string[] {
    const known = new Set([...base.values()].map((entry) => entry.md5));
    for (const file of dataset.files) known.add(file.hash);
    return [...new Set([...items.values()].map((entry) => entry.md5))].filter((md5) => !known.has(md5));
  }

  async materialize(
    items: Map<string, ManifestEntry>,
    read: (id: string) => Promise<Buffer | undefined>,
  ): Promise<MaterializedDataset> {
    for (const [relpath, entry] of items) {
      if (entry.size !== UNKNOWN_SIZE) continue;
      const bytes = await read(entry.md5);
      if (!bytes)
        throw new Error(`the teammate's dataset lists ${relpath} (${entry.md5}) but the DVC remote does not have it`);
      items.set(relpath, { md5: entry.md5, size: bytes.length });
    }
    const dir = buildDirObject([...items].map(([relpath, entry]) => ({ relpath, md5: entry.md5, size: entry.size })));
    const files = [...this.sources].map(([md5, key]) => ({
      hash: md5,
      source: lazyObjectSource(this.storage, key, md5),
    }));
    return {
      hash: dir.hash,
      size: dir.size,
      nfiles: dir.nfiles,
      files,
      dirObject: { hash: dir.hash, content: dir.content },
    };
  }
}
