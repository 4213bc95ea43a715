import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { InMemoryStorageBackend } from '../../test/fakes/in-memory-storage.backend.js';
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
