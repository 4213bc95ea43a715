import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectIndex } from './object-index.repository.js';
import { rowMeta as meta } from './storage-test.helpers.js';

describe('ObjectIndex intents', () => {
  let dir: string;
  let index: ObjectIndex;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'object-index-'));
    index = ObjectIndex.alone(join(dir, 'storage.db'));
  });
  afterEach(async () => {
    index.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([1, 2, 8])('%i intent(s) marked done are deleted by the next write, and only those', (done) => {
    const intents = Array.from({ length: done + 1 }, (_, i) => index.beginPut(meta(`k${i}`), `/tmp/${i}`));
    for (const intent of intents.slice(0, done)) index.markDone(intent);
    expect(index.pendingIntents()).toHaveLength(done + 1); // not before a write
    index.beginPut(meta('next'), '/tmp/next');
    expect(index.pendingIntents().map((i) => i.key)).toEqual([`k${done}`, 'next']);
  });

  it('deletes the intents marked done when it closes', () => {
    const intents = ['a', 'b', 'c'].map((key) => index.beginPut(meta(key), `/tmp/${key}`));
    for (const intent of intents.slice(1)) index.markDone(intent);
    index.close();
    const reopened = ObjectIndex.alone(join(dir, 'storage.db'));
    try {
      expect(reopened.pendingIntents().map((i) => i.key)).toEqual(['a']);
    } finally {
      reopened.close();
    }
  });
});
