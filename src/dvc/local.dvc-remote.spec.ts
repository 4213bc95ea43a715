import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LocalDvcRemote } from './local.dvc-remote.js';
import { md5Hex } from './md5.util.js';

describe('LocalDvcRemote on a real folder', () => {
  let base: string;
  let root: string;
  /** Every fsync of a folder, with whether the `.dir` object was visible then. */
  let synced: Array<{ dir: string; dirObjectVisible: boolean }>;
  let dirObjectPath: string;
  const fsyncRecorder = async (dir: string) => {
    synced.push({ dir, dirObjectVisible: existsSync(dirObjectPath) });
  };
  const at = (id: string) => join(root, 'files', 'md5', id.slice(0, 2), id.slice(2));

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'local-remote-'));
    root = join(base, 'store');
    synced = [];
    dirObjectPath = '';
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it('stores the bytes read-only (0444) under files/md5/xx/, streamed or whole, and leaves no temp file', async () => {
    const remote = new LocalDvcRemote(root);
    const chunks = ['{"a": ', '1}'];
    const streamed = md5Hex(chunks.join(''));
    await remote.upload(streamed, () => Readable.from(chunks.map((c) => Buffer.from(c))));
    await remote.upload(md5Hex('whole'), () => Buffer.from('whole'));
    expect(await readFile(at(streamed), 'utf8')).toBe('{"a": 1}');
    expect(statSync(at(streamed)).mode & 0o777).toBe(0o444);
    expect(await readFile(at(md5Hex('whole')), 'utf8')).toBe('whole');
    expect(await readdir(join(root, 'files', 'md5', streamed.slice(0, 2)))).toEqual([streamed.slice(2)]);
    expect(await remote.missing([streamed, md5Hex('whole'), md5Hex('absent')])).toEqual(new Set([md5Hex('absent')]));
  });

  it('refuses bytes that do not hash to the id, keeping nothing', async () => {
    const remote = new LocalDvcRemote(root);
    await expect(remote.upload(md5Hex('x'), () => Buffer.from('not x'))).rejects.toThrow(/hash to/);
    expect(await readdir(join(root, 'files', 'md5', md5Hex('x').slice(0, 2)))).toEqual([]);
  });

  it('makes renames durable in bulk: each folder that got an object once, and the parent of each folder created', async () => {
    const remote = new LocalDvcRemote(root, undefined, fsyncRecorder);
    const ids = ['a', 'b', 'c', 'd', 'e'].map((x) => md5Hex(x));
    for (const id of ids) await remote.upload(id, () => Buffer.from(['a', 'b', 'c', 'd', 'e'][ids.indexOf(id)]));
    expect(synced).toEqual([]); // nothing per upload
    await remote.syncUploads();
    const prefixes = new Set(ids.map((id) => join(root, 'files', 'md5', id.slice(0, 2))));
    const expected = new Set([...prefixes, join(root, 'files', 'md5'), join(root, 'files'), root, base]);
    expect(new Set(synced.map((s) => s.dir))).toEqual(expected);
    expect(synced).toHaveLength(expected.size);
    synced = [];
    await remote.syncUploads();
    expect(synced).toEqual([]);
  });

  it("makes the files' renames durable before a .dir appears, and the .dir's own before upload returns", async () => {
    const remote = new LocalDvcRemote(root, undefined, fsyncRecorder);
    await remote.upload(md5Hex('file'), () => Buffer.from('file'));
    const dirId = `${md5Hex('[]')}.dir`;
    dirObjectPath = at(dirId);
    await remote.upload(dirId, () => Buffer.from('[]'));
    const fileFolder = join(root, 'files', 'md5', md5Hex('file').slice(0, 2));
    const dirFolder = join(root, 'files', 'md5', dirId.slice(0, 2));
    expect(synced.find((s) => s.dir === fileFolder)).toEqual({ dir: fileFolder, dirObjectVisible: false });
    expect(synced.filter((s) => s.dir === dirFolder).at(-1)).toEqual({ dir: dirFolder, dirObjectVisible: true });
  });

  it('keeps the folders whose fsync failed for the next call, and says why', async () => {
    let fail = true;
    const remote = new LocalDvcRemote(root, undefined, async (dir) => {
      if (fail && dir.endsWith(md5Hex('x').slice(0, 2))) throw new Error('EIO');
      synced.push({ dir, dirObjectVisible: false });
    });
    await remote.upload(md5Hex('x'), () => Buffer.from('x'));
    await expect(remote.syncUploads()).rejects.toThrow(/durable: EIO/);
    fail = false;
    synced = [];
    await remote.syncUploads();
    expect(synced.map((s) => s.dir)).toEqual([join(root, 'files', 'md5', md5Hex('x').slice(0, 2))]);
  });
});
