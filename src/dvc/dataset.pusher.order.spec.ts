import { describe, expect, it } from '@jest/globals';
import { InMemoryDvcRemote } from '../../test/fakes/in-memory-dvc.remote.js';
import { buildDirObject } from './dir-object.codec.js';
import { md5Hex } from './md5.util.js';
import { pushDataset, type DatasetObjects } from './dataset.pusher.js';

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

  it('a task file is one object, uploaded once', async () => {
    const remote = new InMemoryDvcRemote();
    const dataset: DatasetObjects = { files: [file('[]\n')] };
    expect((await pushDataset(remote, dataset)).uploaded).toHaveLength(1);
    expect((await pushDataset(remote, dataset)).uploaded).toHaveLength(0);
    expect(remote.arrivals).toEqual([md5('[]\n')]);
  });
});
