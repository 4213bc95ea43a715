import { beforeEach, describe, expect, it } from '@jest/globals';
import { MemoryTreeStore } from '../../test/fakes/memory-tree.store.js';
import type { FileChange } from './git.remote.js';
import { editTree, type TreeEntry } from './tree.editor.js';

/** The fakes' object store, plus views of a tree for assertions. */
class MapTreeStore extends MemoryTreeStore {
  /** path → "mode content" for every file under `tree`. */
  async files(tree: string, prefix = ''): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const e of await this.readTree(tree)) {
      if (e.type === 'tree') Object.assign(out, await this.files(e.oid, `${prefix}${e.path}/`));
      else out[prefix + e.path] = `${e.mode} ${(this.objects.get(e.oid) as Buffer).toString()}`;
    }
    return out;
  }
  async entry(tree: string, path: string): Promise<TreeEntry | undefined> {
    const [name, ...rest] = path.split('/');
    const e = (await this.readTree(tree)).find((x) => x.path === name);
    return rest.length === 0 || !e ? e : this.entry(e.oid, rest.join('/'));
  }
}

const put = (path: string, content: string): FileChange => ({ path, content: Buffer.from(content) });
const del = (path: string): FileChange => ({ path, content: null });

describe('editTree', () => {
  let store: MapTreeStore;
  let base: string;

  beforeEach(async () => {
    store = new MapTreeStore();
    // A team's branch: an executable script, nested sources, an existing dataset pointer.
    base = await editTree(store, null, [
      put('README.md', '# team'),
      put('src/model/net.py', 'net'),
      put('src/train.py', 'train'),
      put('data/annotations.dvc', 'v1'),
      put('data/.gitignore', '/annotations'),
    ]);
    const scripts = await store.writeTree([
      { mode: '100755', path: 'run.sh', oid: await store.writeBlob(Buffer.from('#!')), type: 'blob' },
    ]);
    const root = await store.readTree(base);
    base = await store.writeTree([...root, { mode: '040000', path: 'bin', oid: scripts, type: 'tree' }]);
  });

  it.each<[string, FileChange[], Record<string, string | undefined>]>([
    ['updates one file', [put('data/annotations.dvc', 'v2')], { 'data/annotations.dvc': '100644 v2' }],
    [
      'adds a file in a new nested folder',
      [put('data/sub/deep/x.json', '{}')],
      { 'data/sub/deep/x.json': '100644 {}' },
    ],
    ['deletes a file', [del('data/.gitignore')], { 'data/.gitignore': undefined }],
    [
      'keeps the executable bit of a rewritten file',
      [put('bin/run.sh', '#!/bin/sh')],
      { 'bin/run.sh': '100755 #!/bin/sh' },
    ],
    [
      'removes a folder whose last file is deleted',
      [del('src/model/net.py')],
      { 'src/model/net.py': undefined, 'src/train.py': '100644 train' },
    ],
    [
      'writes and deletes in one go',
      [put('a.txt', 'a'), del('README.md')],
      { 'a.txt': '100644 a', 'README.md': undefined },
    ],
  ])('%s, leaving every other file as it was', async (_name, changes, expected) => {
    const before = await store.files(base);
    const after = await store.files(await editTree(store, base, changes));
    const want = { ...before, ...expected };
    for (const [path, value] of Object.entries(expected)) if (value === undefined) delete want[path];
    expect(after).toEqual(want);
  });

  it('shares the untouched subtrees with the base (only the changed path is rewritten)', async () => {
    const tree = await editTree(store, base, [put('data/annotations.dvc', 'v2')]);
    expect((await store.entry(tree, 'src'))?.oid).toBe((await store.entry(base, 'src'))?.oid);
    expect((await store.entry(tree, 'bin'))?.oid).toBe((await store.entry(base, 'bin'))?.oid);
    expect((await store.entry(tree, 'data'))?.oid).not.toBe((await store.entry(base, 'data'))?.oid);
  });

  it.each<[string, FileChange[]]>([
    ['same content', [put('data/annotations.dvc', 'v1')]],
    ['deleting a missing file', [del('nope.txt'), del('data/nope/x')]],
    ['deleting below a file', [del('README.md/x')]],
    ['no changes', []],
  ])('%s gives back the base tree itself', async (_name, changes) => {
    expect(await editTree(store, base, changes)).toBe(base);
  });

  it('deleting everything gives the empty tree', async () => {
    const tree = await editTree(store, null, [put('a', 'a')]);
    expect(await store.readTree(await editTree(store, tree, [del('a')]))).toEqual([]);
  });

  it.each<[string, FileChange[], RegExp]>([
    ['a file over a folder', [put('src', 'x')], /'src': it is a folder/],
    ['a folder over a file', [put('README.md/x', 'x')], /'README.md' is a file/],
    ['deleting a folder', [del('src')], /'src': it is a folder/],
    ['the same path twice', [put('a', '1'), put('a', '2')], /appears twice/],
    ['a file and a folder of the same name', [put('a', '1'), put('a/b', '2')], /also writes/],
    ['a path through .git', [put('.git/config', 'x')], /\.git/],
    ['a path with ..', [put('data/../../x', 'x')], /'\.\.'/],
  ])('refuses %s', async (_name, changes, message) => {
    await expect(editTree(store, base, changes)).rejects.toThrow(message);
  });
});
