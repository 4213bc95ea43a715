import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { link, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { hashedSource } from './dvc.remote.js';
import { LocalDvcRemote, type LocalRemoteDurability } from './local.dvc-remote.js';
import { md5Hex } from './md5.util.js';

describe('LocalDvcRemote on a real folder', () => {
  let base: string;
  let root: string;
  /** Every durability call, in order, with whether each object was at its final path then. */
  let synced: Array<{ what: 'files' | 'dirs'; paths: string[]; inPlace: boolean[] }>;
  let watched: string[];
  const at = (id: string) => join(root, 'files', 'md5', id.slice(0, 2), id.slice(2));
  const folderOf = (id: string) => join(root, 'files', 'md5', id.slice(0, 2));
  const recorder = (failDirs?: () => boolean): LocalRemoteDurability => ({
    syncFiles: async (paths) => {
      synced.push({ what: 'files', paths: [...paths], inPlace: watched.map((id) => existsSync(at(id))) });
    },
    syncDirs: async (paths) => {
      if (failDirs?.()) throw new Error('EIO');
      synced.push({ what: 'dirs', paths: [...paths], inPlace: watched.map((id) => existsSync(at(id))) });
    },
  });

  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'local-remote-'));
    root = join(base, 'store');
    synced = [];
    watched = [];
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it('stores the bytes read-only (0444) under files/md5/xx/, streamed or whole, and leaves no temp file', async () => {
    const remote = new LocalDvcRemote(root);
    const chunks = ['{"a": ', '1}'];
    const streamed = md5Hex(chunks.join(''));
    await remote.upload(streamed, () => Readable.from(chunks.map((c) => Buffer.from(c))));
    await remote.upload(md5Hex('whole'), () => Buffer.from('whole'));
    // Staged: already counted and readable, in place once syncUploads returns.
    expect(await remote.missing([streamed, md5Hex('whole'), md5Hex('absent')])).toEqual(new Set([md5Hex('absent')]));
    expect((await remote.read(streamed))?.toString()).toBe('{"a": 1}');
    await remote.syncUploads();
    expect(await readFile(at(streamed), 'utf8')).toBe('{"a": 1}');
    expect(statSync(at(streamed)).mode & 0o777).toBe(0o444);
    expect(await readFile(at(md5Hex('whole')), 'utf8')).toBe('whole');
    expect(await readdir(folderOf(streamed))).toEqual([streamed.slice(2)]);
    expect(await remote.missing([streamed, md5Hex('whole'), md5Hex('absent')])).toEqual(new Set([md5Hex('absent')]));
  });

  it('refuses bytes that do not hash to the id, keeping nothing', async () => {
    const remote = new LocalDvcRemote(root);
    await expect(remote.upload(md5Hex('x'), () => Buffer.from('not x'))).rejects.toThrow(/hash to/);
    await remote.syncUploads();
    expect(await readdir(folderOf(md5Hex('x')))).toEqual([]);
  });

  it('makes the bytes durable before any object takes its name, and the renames durable before returning', async () => {
    const remote = new LocalDvcRemote(root, undefined, recorder());
    const texts = ['a', 'b', 'c', 'd', 'e'];
    watched = texts.map((x) => md5Hex(x));
    for (const [i, id] of watched.entries()) await remote.upload(id, () => Buffer.from(texts[i]));
    expect(synced).toEqual([]); // nothing per upload
    await remote.syncUploads();
    expect(synced.map((s) => s.what)).toEqual(['files', 'dirs']);
    // One call for all the bytes, while no object had its name yet: a crash then leaves only temp files.
    expect(synced[0].paths).toHaveLength(5);
    expect(synced[0].paths.every((path) => path.endsWith('.tmp'))).toBe(true);
    expect(synced[0].inPlace).toEqual([false, false, false, false, false]);
    // Then the renames, each folder that got one, and the parent of each folder created.
    const expected = new Set([...watched.map(folderOf), join(root, 'files', 'md5'), join(root, 'files'), root, base]);
    expect(new Set(synced[1].paths)).toEqual(expected);
    expect(synced[1].paths).toHaveLength(expected.size);
    expect(synced[1].inPlace).toEqual([true, true, true, true, true]);
    synced = [];
    await remote.syncUploads();
    expect(synced.flatMap((s) => s.paths)).toEqual([]);
  });

  it('a crash before syncUploads leaves no object under its name: the next run finds it missing', async () => {
    const id = md5Hex('lost in a crash');
    await new LocalDvcRemote(root).upload(id, () => Buffer.from('lost in a crash'));
    const afterRestart = new LocalDvcRemote(root);
    expect(await afterRestart.missing([id])).toEqual(new Set([id]));
    expect(await afterRestart.read(id)).toBeUndefined();
  });

  it("makes the files' renames durable before a .dir appears, and the .dir's own before upload returns", async () => {
    const remote = new LocalDvcRemote(root, undefined, recorder());
    const dirId = `${md5Hex('[]')}.dir`;
    watched = [md5Hex('file'), dirId];
    await remote.upload(md5Hex('file'), () => Buffer.from('file'));
    await remote.upload(dirId, () => Buffer.from('[]'));
    const fileDirs = synced.findIndex((s) => s.what === 'dirs' && s.paths.includes(folderOf(md5Hex('file'))));
    expect(synced[fileDirs].inPlace).toEqual([true, false]);
    const last = synced.at(-1)!;
    expect(last.paths).toContain(folderOf(dirId));
    expect(last.inPlace).toEqual([true, true]);
  });

  it('writes a large listing this process hashed (past the page cache) with the same bytes, mode and order', async () => {
    const remote = new LocalDvcRemote(root, undefined, recorder());
    // 3 MiB and an unaligned tail, as a .dir of ~45,000 files is.
    const listing = Buffer.from(
      JSON.stringify(Array.from({ length: 45_000 }, (_, i) => ({ md5: md5Hex(String(i)), relpath: `f/${i}.json` }))),
    );
    const dirId = `${md5Hex(listing)}.dir`;
    watched = [md5Hex('file'), dirId];
    await remote.upload(md5Hex('file'), () => Buffer.from('file'));
    await remote.upload(dirId, hashedSource(listing));
    expect((await readFile(at(dirId))).equals(listing)).toBe(true);
    expect(statSync(at(dirId)).mode & 0o777).toBe(0o444);
    expect(await readdir(folderOf(dirId))).toEqual([dirId.slice(2)]);
    const fileDirs = synced.findIndex((s) => s.what === 'dirs' && s.paths.includes(folderOf(md5Hex('file'))));
    expect(synced[fileDirs].inPlace).toEqual([true, false]);
    expect(synced.at(-1)!.inPlace).toEqual([true, true]);
  });

  describe('a large listing staged while its md5 is computed', () => {
    // 1.3 MB: past the page cache, as a `.dir` of 100,000 files (6.6 MB) is.
    const listing = Buffer.from(
      JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ md5: md5Hex(String(i)), relpath: `f/${i}.json` }))),
    );
    const dirId = `${md5Hex(listing)}.dir`;
    const tempFiles = async () =>
      (await readdir(join(root, 'files', 'md5'), { recursive: true })).filter((path) => path.endsWith('.tmp'));

    it('is written, read-only and durable, under a temp name at once, and named only by commit', async () => {
      const remote = new LocalDvcRemote(root, undefined, recorder());
      watched = [md5Hex('file'), dirId];
      await remote.upload(md5Hex('file'), () => Buffer.from('file'));
      const staged = remote.stage(listing);
      let temp: string | undefined;
      for (let tries = 0; !temp && tries < 500; tries++) {
        for (const path of await tempFiles()) {
          const stats = statSync(join(root, 'files', 'md5', path));
          if (stats.size === listing.length && (stats.mode & 0o777) === 0o444) temp = path;
        }
        if (!temp) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(temp).toMatch(/^[0-9a-f]{2}\/[0-9a-f]{30}\.dir\.[0-9a-f-]{36}\.tmp$/); // a name the sweep knows
      expect(await remote.missing([dirId])).toEqual(new Set([dirId])); // nothing names it yet
      expect(synced).toEqual([]); // the file staged before is not made durable by staging

      await staged.commit(dirId);
      expect((await readFile(at(dirId))).equals(listing)).toBe(true);
      expect(statSync(at(dirId)).mode & 0o777).toBe(0o444);
      expect(await tempFiles()).toEqual([]);
      const fileDirs = synced.findIndex((s) => s.what === 'dirs' && s.paths.includes(folderOf(md5Hex('file'))));
      expect(synced[fileDirs].inPlace).toEqual([true, false]); // the files' names durable before the .dir has one
      expect(synced.at(-1)!.paths).toContain(folderOf(dirId));
      expect(synced.at(-1)!.inPlace).toEqual([true, true]);
      await staged.discard(); // after a commit: keeps the object
      expect(existsSync(at(dirId))).toBe(true);
    });

    it('leaves nothing when discarded', async () => {
      const remote = new LocalDvcRemote(root);
      await remote.stage(listing).discard();
      expect(await tempFiles()).toEqual([]);
      expect(await remote.missing([dirId])).toEqual(new Set([dirId]));
    });

    it("fails its commit with the write's error, naming nothing and leaving no temp file", async () => {
      // Every xx/ folder a file instead: the staged write fails (ENOTDIR), wherever its temp file goes.
      await mkdir(join(root, 'files', 'md5'), { recursive: true });
      for (let i = 0; i < 256; i++)
        await writeFile(join(root, 'files', 'md5', i.toString(16).padStart(2, '0')), 'a file where a folder goes');
      const remote = new LocalDvcRemote(root);
      await expect(remote.stage(listing).commit(dirId)).rejects.toThrow(new RegExp(`object ${dirId}: cannot write`));
      expect(await tempFiles()).toEqual([]);
    });
  });

  it('still checks a large listing that no one hashed here against its id', async () => {
    const remote = new LocalDvcRemote(root);
    const listing = Buffer.alloc(2 * 1024 * 1024, 'a');
    const wrongId = `${md5Hex('something else')}.dir`;
    await expect(remote.upload(wrongId, () => listing)).rejects.toThrow(/hash to/);
    expect(existsSync(at(wrongId))).toBe(false);
    expect(await readdir(folderOf(wrongId))).toEqual([]);
  });

  it('keeps the folders whose fsync failed for the next call, and says why', async () => {
    let fail = true;
    const remote = new LocalDvcRemote(
      root,
      undefined,
      recorder(() => fail),
    );
    await remote.upload(md5Hex('x'), () => Buffer.from('x'));
    await expect(remote.syncUploads()).rejects.toThrow(/durable: EIO/);
    fail = false;
    synced = [];
    await remote.syncUploads();
    expect(synced.find((s) => s.what === 'dirs')?.paths).toContain(folderOf(md5Hex('x')));
  });

  /** A durable file outside the remote, offered with `linkTo` as stored objects are; `linked` counts the calls. */
  const linkable = async (text: string, linkError?: string) => {
    const file = join(base, `stored-${md5Hex(text)}`);
    await writeFile(file, text, { mode: 0o640 });
    const calls: string[] = [];
    const linkTo = async (path: string) => {
      calls.push(path);
      if (linkError) throw Object.assign(new Error(`${linkError}: refused`), { code: linkError });
      await link(file, path);
    };
    return { id: md5Hex(text), file, calls, source: Object.assign(() => Buffer.from(text), { linkTo }) };
  };

  it('links a source that offers its file: the object has its name at once, its mode unchanged, and only its folder waits', async () => {
    const remote = new LocalDvcRemote(root, undefined, recorder());
    const a = await linkable('linked a');
    const b = await linkable('linked b');
    watched = [a.id, b.id];
    await remote.upload(a.id, a.source);
    await remote.upload(b.id, b.source);
    // The same inode, not a copy: no byte was read or written.
    expect(statSync(at(a.id)).ino).toBe(statSync(a.file).ino);
    expect(statSync(a.file).mode & 0o777).toBe(0o640); // the source's mode: it is the same file
    expect(await readFile(at(b.id), 'utf8')).toBe('linked b');
    expect(await readdir(folderOf(a.id))).toEqual([a.id.slice(2)]); // no temp file
    await remote.syncUploads();
    // Nothing to make durable but the new entries: their bytes were durable before they were linked.
    expect(synced.filter((s) => s.what === 'files').flatMap((s) => s.paths)).toEqual([]);
    const dirs = synced.find((s) => s.what === 'dirs')!;
    expect(dirs.paths).toEqual(expect.arrayContaining([folderOf(a.id), folderOf(b.id), join(root, 'files', 'md5')]));
    // Named again (a push that failed before its syncUploads): present, and its folder made durable again.
    synced = [];
    await remote.upload(a.id, a.source);
    await remote.syncUploads();
    expect(synced.find((s) => s.what === 'dirs')?.paths).toEqual([folderOf(a.id)]);
  });

  it("makes a crashed predecessor's named objects durable: the first syncUploads fsyncs every folder already there", async () => {
    const a = await linkable('named, then a crash');
    await new LocalDvcRemote(root, undefined, recorder()).upload(a.id, a.source); // linked: named, never synced
    synced = [];
    const next = new LocalDvcRemote(root, undefined, recorder());
    expect(await next.missing([a.id])).toEqual(new Set()); // present: no push would name it again
    const b = await linkable('the next push');
    await next.upload(b.id, b.source);
    await next.syncUploads();
    const dirs = synced.find((s) => s.what === 'dirs')!.paths;
    expect(dirs).toEqual(expect.arrayContaining([folderOf(a.id), folderOf(b.id), join(root, 'files', 'md5')]));
    // Once per process: the next push syncs only what it adds.
    synced = [];
    await next.upload(a.id, a.source);
    await next.syncUploads();
    expect(synced.find((s) => s.what === 'dirs')?.paths).toEqual([folderOf(a.id)]);
  });

  it('copies where the file system cannot link (EXDEV), and stops trying for the later uploads', async () => {
    const remote = new LocalDvcRemote(root);
    const a = await linkable('across devices a', 'EXDEV');
    const b = await linkable('across devices b', 'EXDEV');
    await remote.upload(a.id, a.source);
    await remote.upload(b.id, b.source);
    await remote.syncUploads();
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toEqual([]);
    expect(await readFile(at(a.id), 'utf8')).toBe('across devices a');
    expect(await readFile(at(b.id), 'utf8')).toBe('across devices b');
    expect(statSync(at(a.id)).ino).not.toBe(statSync(a.file).ino);
  });

  it("fails the upload with the source's own error (an object that changed) and names nothing", async () => {
    const remote = new LocalDvcRemote(root);
    const changed = new Error('object "k" changed during the flush');
    const source = Object.assign(() => Buffer.from('k'), { linkTo: () => Promise.reject(changed) });
    const error = await remote.upload(md5Hex('k'), source).catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ cause: changed });
    await remote.syncUploads();
    expect(await remote.missing([md5Hex('k')])).toEqual(new Set([md5Hex('k')]));
  });

  it('finds what is missing among many ids by listing their folders (as one stat each would)', async () => {
    const remote = new LocalDvcRemote(root);
    const present = ['p1', 'p2', 'p3'].map((x) => md5Hex(x));
    for (const [i, id] of present.entries()) await remote.upload(id, () => Buffer.from(`p${i + 1}`));
    await remote.syncUploads();
    const absent = Array.from({ length: 1100 }, (_, i) => md5Hex(`absent ${i}`));
    expect(await remote.missing([...present, ...absent])).toEqual(new Set(absent));
    expect(await remote.missing([...present, absent[0]])).toEqual(new Set([absent[0]]));
  });

  describe('temp files a crash left behind', () => {
    const DAY = 24 * 60 * 60 * 1000;
    const tempsIn = async (id: string) =>
      (await readdir(folderOf(id)).catch(() => [] as string[])).filter((name) => name.endsWith('.tmp'));
    /** Backdates every temp file of `id`'s folder by `ms`. */
    const age = async (id: string, ms: number) => {
      const then = new Date(Date.now() - ms);
      for (const name of await tempsIn(id)) await utimes(join(folderOf(id), name), then, then);
    };
    /** Staged by a push whose process then crashed (no syncUploads): its temp file stays, its object unnamed. */
    const crashedPush = async (text: string) => {
      const id = md5Hex(text);
      await new LocalDvcRemote(root).upload(id, () => Buffer.from(text));
      expect(await tempsIn(id)).toHaveLength(1);
      return id;
    };

    it("removes a crashed push's temp files once they are a day old, never DVC's or an object, and keeps pushing", async () => {
      const orphan = await crashedPush('orphan of a crash');
      const young = await crashedPush('crashed an hour ago');
      await age(orphan, DAY + 60_000);
      await age(young, 60 * 60 * 1000);
      // DVC's own temp name (dvc-objects tmp_fname: token_urlsafe(16)), as old: not ours, left alone.
      const dvcTemp = join(folderOf(orphan), `${orphan.slice(2)}.Zm9vYmFyYmF6cXV4cXV1eA.tmp`);
      await writeFile(dvcTemp, 'dvc');
      await utimes(dvcTemp, new Date(Date.now() - 2 * DAY), new Date(Date.now() - 2 * DAY));
      // A `.dir` cut off between its write and its rename (named as `upload` names its temp files).
      const dirId = `${md5Hex('[{"md5": "x"}]')}.dir`;
      await mkdir(folderOf(dirId), { recursive: true });
      await writeFile(join(folderOf(dirId), `${dirId.slice(2)}.${randomUUID()}.tmp`), '[{"md5": "x"}]');
      await age(dirId, DAY + 60_000);
      const next = new LocalDvcRemote(root);
      const kept = md5Hex('the next push');
      await next.upload(kept, () => Buffer.from('the next push'));
      await next.syncUploads();
      expect(await tempsIn(orphan)).toEqual([`${orphan.slice(2)}.Zm9vYmFyYmF6cXV4cXV1eA.tmp`]);
      expect(await tempsIn(young)).toHaveLength(1);
      expect(await tempsIn(dirId)).toEqual([]);
      expect(await readFile(at(kept), 'utf8')).toBe('the next push');
      // The crashed push's objects were never named: missing, so the next push of them uploads them anew.
      expect(await next.missing([orphan, young, kept])).toEqual(new Set([orphan, young]));
    });

    it('looks on the first push of a process, then at most once a day', async () => {
      let now = Date.now();
      const remote = new LocalDvcRemote(root, undefined, undefined, () => now);
      const first = await crashedPush('first orphan');
      await age(first, DAY + 1000);
      await remote.syncUploads();
      expect(await tempsIn(first)).toEqual([]);
      const second = await crashedPush('second orphan');
      await age(second, DAY + 1000);
      now += DAY - 60_000;
      await remote.syncUploads();
      expect(await tempsIn(second)).toHaveLength(1); // swept less than a day ago
      now += 60_000;
      await remote.syncUploads();
      expect(await tempsIn(second)).toEqual([]);
    });

    it("never removes this remote's own staged files, however old", async () => {
      let now = Date.now();
      const remote = new LocalDvcRemote(root, undefined, undefined, () => now);
      await remote.syncUploads(); // the first sweep, done
      const id = md5Hex('staged, then no push for two days');
      await remote.upload(id, () => Buffer.from('staged, then no push for two days'));
      await age(id, 2 * DAY);
      now += 2 * DAY;
      await remote.syncUploads();
      expect(await readFile(at(id), 'utf8')).toBe('staged, then no push for two days');
    });

    it('a staged file removed meanwhile fails that push once; the next uploads the object again', async () => {
      const remote = new LocalDvcRemote(root);
      const id = md5Hex('removed by hand');
      await remote.upload(id, () => Buffer.from('removed by hand'));
      for (const name of await tempsIn(id)) await rm(join(folderOf(id), name));
      await expect(remote.syncUploads()).rejects.toThrow(/cannot make the objects written to .* durable/);
      expect(await remote.missing([id])).toEqual(new Set([id]));
      await remote.upload(id, () => Buffer.from('removed by hand'));
      await remote.syncUploads();
      expect(await readFile(at(id), 'utf8')).toBe('removed by hand');
    });
  });
});
