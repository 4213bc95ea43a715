import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { InMemoryStorageBackend } from '../../test/fakes/in-memory-storage.backend.js';
import type { StagedObject } from '../dvc/dvc.remote.js';
import { md5Hex } from '../dvc/md5.util.js';
import type { ManifestEntry } from './dataset.types.js';
import { DirectoryLayout } from './directory.layout.js';
import { StoredObjectsReader } from './stored-objects.reader.js';

describe('DirectoryLayout.ours', () => {
  it('lets the event loop serve other work while it looks up thousands of changed keys (invariant 7)', async () => {
    const storage = new InMemoryStorageBackend();
    const keys = Array.from({ length: 2000 }, (_, i) => `ls/${i}.json`);
    for (const key of keys)
      await storage.putObject({ key, body: Readable.from([Buffer.from(key)]), maxSize: 1024, userMetadata: {} });
    let finished = false;
    const servedDuring: boolean[] = [];
    // Stands for a PUT's I/O callback: it can only run when ours() gives the loop a turn.
    const serve = () => {
      servedDuring.push(!finished);
      if (!finished) setImmediate(serve);
    };
    setImmediate(serve);
    const ours = await new DirectoryLayout().ours({
      objects: new StoredObjectsReader(storage),
      base: new Map(),
      changedKeys: keys,
      fullRebuild: true,
      lastPushedItemsOf: () => new Map(),
    });
    finished = true;
    expect(ours.items.size).toBe(2000);
    expect(servedDuring.filter(Boolean).length).toBeGreaterThanOrEqual(5);
  });
});

describe('DirectoryLayout, flush after flush', () => {
  it('writes the same .dir from the last push plus the changes as from every file (dvc add parity)', async () => {
    const storage = new InMemoryStorageBackend();
    const put = (key: string, body: string) =>
      storage.putObject({ key, body: Readable.from([Buffer.from(body)]), maxSize: 1024, userMetadata: {} });
    const keys = Array.from({ length: 50 }, (_, i) => `ls/${String(i).padStart(2, '0')}.json`);
    for (const key of keys) await put(key, key);
    const objects = new StoredObjectsReader(storage);
    const layout = new DirectoryLayout(); // one layout for every flush, as a project's pipeline has
    const noRemote = () => Promise.resolve(undefined);
    const flush = async (base: Map<string, ManifestEntry>, changedKeys: string[]) => {
      const fullRebuild = base.size === 0;
      const ours = await layout.ours({ objects, base, changedKeys, fullRebuild, lastPushedItemsOf: () => new Map() });
      return { items: ours.items, version: await layout.materialize(ours.items, ours.offered, noRemote) };
    };
    let { items } = await flush(new Map(), keys);
    const rounds: Array<() => Promise<string[]>> = [
      async () => (await put('ls/07.json', 'changed'), ['ls/07.json']),
      async () => (
        await storage.deleteObject('ls/00.json'),
        await put('ls/zz.json', 'new'),
        ['ls/00.json', 'ls/zz.json']
      ),
      async () => (
        await put('ls/a b/é.json', 'unicode'),
        await storage.deleteObject('ls/49.json'),
        ['ls/a b/é.json', 'ls/49.json']
      ),
    ];
    for (const round of rounds) {
      const flushed = await flush(items, await round());
      const full = await new DirectoryLayout().materialize(new Map(flushed.items), new Map(), noRemote);
      expect(flushed.version.dirObject!.content.equals(full.dirObject!.content)).toBe(true);
      // Marked as hashed (the remote then writes it without hashing again): the id must be the md5 of the bytes.
      const { hash, content, hashed } = flushed.version.dirObject!;
      expect({ hash, hashed }).toEqual({ hash: `${md5Hex(content)}.dir`, hashed: true });
      expect({ ...flushed.version, files: [], dirObject: undefined }).toEqual({
        ...full,
        files: [],
        dirObject: undefined,
      });
      items = flushed.items;
    }
  });

  it("hands the .dir's bytes to stage as soon as they exist, and the staged handle to the push", async () => {
    const storage = new InMemoryStorageBackend();
    const keys = ['ls/1.json', 'ls/2.json'];
    for (const key of keys)
      await storage.putObject({ key, body: Readable.from([Buffer.from(key)]), maxSize: 1024, userMetadata: {} });
    const layout = new DirectoryLayout();
    const objects = new StoredObjectsReader(storage);
    const ours = await layout.ours({
      objects,
      base: new Map(),
      changedKeys: keys,
      fullRebuild: true,
      lastPushedItemsOf: () => new Map(),
    });
    const staged: Buffer[] = [];
    const handle: StagedObject = { commit: () => Promise.resolve(), discard: () => Promise.resolve() };
    const version = await layout.materialize(
      ours.items,
      ours.offered,
      () => Promise.resolve(undefined),
      (content) => {
        staged.push(content);
        return handle;
      },
    );
    expect(staged).toHaveLength(1);
    expect(staged[0]).toBe(version.dirObject!.content); // the very Buffer hashed: the staged bytes are the id's
    expect(version.dirObject!.staged).toBe(handle);
  });
});
