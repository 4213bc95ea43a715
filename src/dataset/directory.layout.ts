import { setImmediate as nextTurn } from 'node:timers/promises';
import { type DirChange, DirListing, parseDirObject } from '../dvc/dir-object.codec.js';
import { offeredFiles } from '../dvc/dataset.pusher.js';
import type { ObjectSource, StagedObject } from '../dvc/dvc.remote.js';
import type {
  DatasetLayout,
  DatasetVersion,
  OursInput,
  OursSnapshot,
  PushedItem,
  RemoteReader,
} from './dataset-layout.port.js';
import type { Manifest, ManifestEntry } from './dataset.types.js';
import { applyChanges, type ManifestChange } from './manifest.changes.js';
import { mergeManifests } from './manifest.merge.js';
import { keyToRelativePath } from './object-key.relpath.js';

/** Keys looked up between two turns of the event loop: ~35 µs each, 200 held the PUTs ~7 ms in a big flush. */
const YIELD_EVERY = 50;

/** Size unknown: a teammate's file, listed in their `.dir` (which records no sizes). */
const UNKNOWN_SIZE = -1;

/**
 * The directory layout: one file per object, bytes unchanged. A flush costs O(changes): the previous
 * manifest comes from the sync state, only changed keys are looked up, and only their objects are offered
 * to the remote (the `.dir` itself is O(n) bytes, which DVC's format imposes).
 */
export class DirectoryLayout implements DatasetLayout<ManifestEntry> {
  readonly isDirectory = true;
  /**
   * The `.dir` listing of each manifest this layout built, while that manifest lives (the flush loop keeps the last
   * pushed one as its next base): `ours` derives the new manifest's listing from its base's with only the changed
   * entries (`DirListing.withChangesYielding`), so that an incremental flush neither sorts nor encodes the whole
   * directory.
   * A cache, no state: `materialize` builds the listing from the items when there is none, and the bytes are the
   * same either way (directory.layout.spec.ts checks it).
   */
  private readonly listings = new WeakMap<Manifest, () => Promise<DirListing>>();

  decode(item: PushedItem): ManifestEntry {
    return JSON.parse(item.value) as ManifestEntry;
  }

  encode(id: string, item: ManifestEntry): PushedItem {
    return { id, hash: item.md5, value: JSON.stringify({ md5: item.md5, size: item.size }) };
  }

  async ours({ objects, base, changedKeys }: OursInput<ManifestEntry>): Promise<OursSnapshot<ManifestEntry>> {
    const offered = new Map<string, ObjectSource>();
    const changes: ManifestChange[] = [];
    const keyItems = new Map<string, string[]>();
    const touched = new Set<string>();
    for (const [i, key] of changedKeys.entries()) {
      // headObject answers from the index without I/O: its awaits resolve as microtasks, so thousands of keys would
      // run as one block of the event loop. Yield now and then, so that PUTs keep being served (invariant 7).
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await nextTurn();
      const relpath = keyToRelativePath(key);
      touched.add(relpath);
      const meta = await objects.head(key);
      if (meta) {
        changes.push({ key, relpath, op: 'put', md5: meta.md5, size: meta.size });
        offered.set(meta.md5, objects.source(key, meta));
        keyItems.set(key, [relpath]);
      } else {
        changes.push({ key, relpath, op: 'delete' });
        keyItems.set(key, []);
      }
    }
    const previous = this.listings.get(base); // before applyChanges changes base into the new manifest
    const { manifest, diff } = applyChanges(base, changes);
    if (previous) {
      // Built when the flush materializes it (or never, when a merge replaces this manifest).
      const dirChanges = changes.map(toDirChange);
      this.listings.set(manifest, async () => (await previous()).withChangesYielding(dirChanges));
    }
    return { items: manifest, touched, diff, keyItems, rejected: [], offered };
  }

  async theirs(hash: string, read: RemoteReader): Promise<Map<string, ManifestEntry> | undefined> {
    if (!hash.endsWith('.dir')) return undefined; // the teammate turned the dataset into a file: not mergeable
    const content = await read(hash);
    if (!content) return undefined;
    return new Map(
      parseDirObject(content, hash).map((entry) => [entry.relpath, { md5: entry.md5, size: UNKNOWN_SIZE }]),
    );
  }

  merge(
    base: ReadonlyMap<string, ManifestEntry>,
    ours: ReadonlyMap<string, ManifestEntry>,
    theirs: ReadonlyMap<string, ManifestEntry>,
  ) {
    // Sizes of files we know (same md5) replace the unknown ones of the teammate's listing.
    const known = new Map<string, number>();
    for (const entry of [...base.values(), ...ours.values()]) known.set(entry.md5, entry.size);
    const sized = new Map(
      [...theirs].map(([relpath, entry]) => {
        const size = entry.size === UNKNOWN_SIZE ? known.get(entry.md5) : undefined;
        return [relpath, size === undefined ? entry : { md5: entry.md5, size }];
      }),
    );
    const { manifest, conflicts } = mergeManifests(base, ours, sized);
    return { items: manifest, conflicts: conflicts.length };
  }

  filesToVerify(
    base: ReadonlyMap<string, ManifestEntry>,
    items: ReadonlyMap<string, ManifestEntry>,
    version: DatasetVersion,
  ): string[] {
    const known = new Set([...base.values()].map((entry) => entry.md5));
    for (const file of version.files) known.add(file.hash);
    return [...new Set([...items.values()].map((entry) => entry.md5))].filter((md5) => !known.has(md5));
  }

  async materialize(
    items: Map<string, ManifestEntry>,
    offered: ReadonlyMap<string, ObjectSource>,
    read: RemoteReader,
    stage?: (content: Buffer) => StagedObject,
  ): Promise<DatasetVersion> {
    // Only a merge brings unknown sizes. forEach: no [relpath, entry] pair per entry for the GC to collect.
    const unsized: string[] = [];
    items.forEach((entry, relpath) => entry.size === UNKNOWN_SIZE && unsized.push(relpath));
    for (const relpath of unsized) {
      const { md5 } = items.get(relpath)!;
      const bytes = await read(md5);
      if (!bytes)
        throw new Error(`the teammate's dataset lists ${relpath} (${md5}) but the DVC remote does not have it`);
      items.set(relpath, { md5, size: bytes.length });
    }
    const listing = await this.listingOf(items);
    // Written while its md5 is computed: at 100,000 files ~10 ms of the disk beside ~12 ms of this thread.
    const staged = stage?.(listing.content);
    const dir = await listing.toDirObjectYielding().catch(async (error: unknown) => {
      await staged?.discard();
      throw error;
    });
    const files = offeredFiles(offered);
    return {
      hash: dir.hash,
      size: dir.size,
      nfiles: dir.nfiles,
      files,
      dirObject: { hash: dir.hash, content: dir.content, hashed: true, staged }, // hashed once, by toDirObjectYielding
    };
  }

  /** Builds the last push's listing ahead of the next flush, which then only applies its changes to it. */
  async prepare(items: Map<string, ManifestEntry>): Promise<void> {
    await this.listingOf(items);
  }

  /** The listing of `items`: derived from its base's (`ours`), or built from every item; kept while `items` lives. */
  private async listingOf(items: Manifest): Promise<DirListing> {
    const listing = await (this.listings.get(items)?.() ??
      DirListing.ofYielding([...items].map(([relpath, entry]) => ({ relpath, md5: entry.md5, size: entry.size }))));
    this.listings.set(items, () => Promise.resolve(listing));
    return listing;
  }
}

function toDirChange(change: ManifestChange): DirChange {
  const { relpath } = change;
  return change.op === 'put' ? { relpath, md5: change.md5, size: change.size } : { relpath, deleted: true };
}
