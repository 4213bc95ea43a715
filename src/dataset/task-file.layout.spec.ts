import { describe, expect, it } from '@jest/globals';
import type { StoredObjects } from './dataset-layout.port.js';
import { MAX_TASK_OBJECT_BYTES, TaskFileLayout } from './task-file.layout.js';

const annotation = Buffer.from('{"id": 1, "result": [], "task": {"id": 3, "data": {}}}');

/** Storage with one annotation and one object of several GiB (a multipart upload), whose bytes must not be read. */
function objects(): StoredObjects & { reads: string[] } {
  const reads: string[] = [];
  const heads: Record<string, { md5: string; size: number }> = {
    'exports/1': { md5: 'a'.repeat(32), size: annotation.length },
    'dumps/huge.bin': { md5: 'b'.repeat(32), size: 3 * 1024 ** 3 },
  };
  return {
    reads,
    head: (key) => Promise.resolve(heads[key]),
    read: (key) => {
      reads.push(key);
      if (key !== 'exports/1') throw new Error(`read ${key} into memory`);
      return Promise.resolve({ md5: heads[key].md5, bytes: annotation });
    },
    keys: async function* () {
      yield Object.keys(heads).sort();
    },
    source: () => () => Buffer.alloc(0),
  };
}

describe('TaskFileLayout', () => {
  it('leaves an object too big to be an annotation out of the dataset without reading it', async () => {
    const stored = objects();
    const ours = await new TaskFileLayout('json').ours({
      objects: stored,
      base: new Map(),
      changedKeys: ['exports/1', 'dumps/huge.bin'],
      fullRebuild: true,
      lastPushedItemsOf: () => new Map(),
    });
    expect(stored.reads).toEqual(['exports/1']);
    expect([...ours.items.keys()]).toEqual(['3']);
    expect(ours.rejected).toEqual([
      { key: 'dumps/huge.bin', reason: expect.stringContaining(`at most ${MAX_TASK_OBJECT_BYTES}`) as unknown },
    ]);
  });
});
