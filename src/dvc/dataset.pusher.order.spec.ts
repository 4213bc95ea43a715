import { describe, expect, it } from '@jest/globals';
import { InMemoryDvcRemote } from '../../test/fakes/in-memory-dvc.remote.js';
import { buildDirObject } from '../../test/support/dir-object.js';
import { md5Hex } from './md5.util.js';
import { pushDataset, uploadAhead, type DatasetObjects } from './dataset.pusher.js';

// The fake remote refuses a `.dir` whose files it does not all hold, so a wrong order fails loudly.

const md5 = (text: string) => md5Hex(Buffer.from(text));
const file = (text: string) => ({ hash: md5(text), source: () => Buffer.from(text), size: text.length });

function directory(files: Record<string, string>, offered: string[]): DatasetObjects & { hash: string } {
  const dir = buildDirObject(
    Object.entries(files).map(([relpath, text]) => ({ relpath, md5: md5(text), size: text.length })),
  );
  return {
    hash: dir.hash,
    files: offered.map(file),
    dirObject: { hash: dir.hash, content: dir.content },
  };
}

describe('pushDataset', () => {
  it.each<{ name: string; seeded: string[]; offered: string[]; mustExist: string[]; uploaded: number }>([
    { name: 'a new dataset: every file, then the .dir', seeded: [], offered: ['a', 'b'], mustExist: [], uploaded: 3 },
    { name: 'files pushed before are not offered again', seeded: ['a'], offered: ['b'], mustExist: [], uploaded: 2 },
    {
      name: "a teammate's files (checked, present) are not uploaded",
      seeded: ['a'],
      offered: ['b'],
      mustExist: ['a'],
      uploaded: 2,
    },
    {
      name: 'an offered file the remote has is skipped',
      seeded: ['a', 'b'],
      offered: ['a', 'b'],
      mustExist: [],
      uploaded: 1,
    },
  ])('$name', async ({ seeded, offered, mustExist, uploaded }) => {
    const remote = new InMemoryDvcRemote();
    for (const text of seeded) remote.seed(md5(text), text);
    const dataset = directory({ 'x/a': 'a', 'x/b': 'b' }, offered);

    expect((await pushDataset(remote, dataset, { mustExist: mustExist.map(md5) })).uploaded).toHaveLength(uploaded);

    expect(remote.arrivals.at(-1)).toBe(dataset.hash);
    expect(remote.has(md5('a')) && remote.has(md5('b'))).toBe(true);
  });

  it('uploads no .dir when a file upload fails', async () => {
    const remote = new InMemoryDvcRemote().failUploadOf(md5('b'));
    const dataset = directory({ a: 'a', b: 'b' }, ['a', 'b']);
    await expect(pushDataset(remote, dataset)).rejects.toThrow(/simulated upload failure/);
    expect(remote.has(dataset.hash)).toBe(false);
  });

  it("uploads no .dir when a teammate's file is not on the remote", async () => {
    const remote = new InMemoryDvcRemote();
    const dataset = directory({ a: 'a', theirs: 'theirs' }, ['a']);
    await expect(pushDataset(remote, dataset, { mustExist: [md5('theirs')] })).rejects.toThrow(/without 'dvc push'/);
    expect(remote.has(dataset.hash)).toBe(false);
  });

  describe('with files uploaded ahead (uploadAhead, while the flush builds the .dir)', () => {
    it('uploads each file once, then the .dir, and reports the files it uploaded ahead', async () => {
      const remote = new InMemoryDvcRemote().seed(md5('a'), 'a');
      const dataset = directory({ a: 'a', b: 'b', c: 'c' }, ['a', 'b', 'c']);
      const ahead = await uploadAhead(remote, dataset.files);
      expect([...ahead.uploaded].sort()).toEqual([md5('b'), md5('c')].sort());
      expect(remote.has(dataset.hash)).toBe(false); // nothing names them yet

      const pushed = await pushDataset(remote, dataset, { ahead });
      expect(pushed.uploaded.slice(0, 2).sort()).toEqual([md5('b'), md5('c')].sort());
      expect(pushed.uploaded.at(-1)).toBe(dataset.hash);
      expect(remote.arrivals).toEqual([...ahead.uploaded, dataset.hash]); // b and c once each
    });

    it('leaves what failed ahead to the push, which fails on it and uploads no .dir', async () => {
      const remote = new InMemoryDvcRemote().failUploadOf(md5('b'));
      const dataset = directory({ a: 'a', b: 'b' }, ['a', 'b']);
      const ahead = await uploadAhead(remote, dataset.files); // resolves: the push reports
      expect(ahead.uploaded).toEqual([md5('a')]);
      await expect(pushDataset(remote, dataset, { ahead })).rejects.toThrow(
        /1 of 1 objects .*simulated upload failure/,
      );
      expect(remote.has(dataset.hash)).toBe(false);
    });

    it('resolves with nothing uploaded while the remote is down; the push then fails on it', async () => {
      const remote = new InMemoryDvcRemote().goDown();
      const dataset = directory({ a: 'a' }, ['a']);
      const ahead = await uploadAhead(remote, dataset.files);
      expect(ahead).toEqual({ uploaded: [], present: new Set() });
      await expect(pushDataset(remote, dataset, { ahead })).rejects.toThrow(/simulated outage/);
    });
  });

  it('runs `meanwhile` once every file is on the remote, and resolves only once the .dir is there too', async () => {
    const remote = new InMemoryDvcRemote();
    const dataset = directory({ a: 'a', b: 'b' }, ['a', 'b']);
    let seenAtStart: string[] = [];
    const pushed = await pushDataset(remote, dataset, {
      meanwhile: async () => {
        seenAtStart = [...remote.arrivals];
        return 'commit';
      },
    });
    expect(seenAtStart.sort()).toEqual([md5('a'), md5('b')].sort());
    expect(pushed.meanwhile).toBe('commit');
    expect(remote.has(dataset.hash)).toBe(true);
  });

  it('never starts `meanwhile` when a file upload fails', async () => {
    const remote = new InMemoryDvcRemote().failUploadOf(md5('a'));
    let started = false;
    const meanwhile = async () => void (started = true);
    await expect(pushDataset(remote, directory({ a: 'a' }, ['a']), { meanwhile })).rejects.toThrow(/simulated/);
    expect(started).toBe(false);
  });

  it('fails when `meanwhile` fails, once the .dir upload has settled', async () => {
    const remote = new InMemoryDvcRemote();
    const dataset = directory({ a: 'a' }, ['a']);
    const meanwhile = () => Promise.reject(new Error('commit failed'));
    await expect(pushDataset(remote, dataset, { meanwhile })).rejects.toThrow('commit failed');
    expect(remote.has(dataset.hash)).toBe(true);
  });

  it('fails when the .dir upload fails, after `meanwhile` settled', async () => {
    const remote = new InMemoryDvcRemote();
    const dataset = directory({ a: 'a' }, ['a']);
    remote.failUploadOf(dataset.hash);
    let finished = false;
    const meanwhile = async () => void (finished = true);
    await expect(pushDataset(remote, dataset, { meanwhile })).rejects.toThrow(/simulated/);
    expect(finished).toBe(true);
  });

  it('a task file is one object, uploaded once', async () => {
    const remote = new InMemoryDvcRemote();
    const dataset: DatasetObjects = { files: [file('[]\n')] };
    expect((await pushDataset(remote, dataset)).uploaded).toHaveLength(1);
    expect((await pushDataset(remote, dataset)).uploaded).toHaveLength(0);
    expect(remote.arrivals).toEqual([md5('[]\n')]);
  });
});
