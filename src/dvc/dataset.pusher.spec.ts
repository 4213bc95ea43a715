import { describe, expect, it } from '@jest/globals';
import { link, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { InMemoryDvcRemote } from '../../test/fakes/in-memory-dvc.remote.js';
import { buildDirObject } from '../../test/support/dir-object.js';
import { DvcPushError } from './dvc-push.error.js';
import type { ObjectSource } from './dvc.remote.js';
import { LocalDvcRemote } from './local.dvc-remote.js';
import { md5Hex } from './md5.util.js';
import { pushDataset, uploadAhead, type PushFile } from './dataset.pusher.js';

const dataset = (contents: Record<string, string>) => {
  const files = Object.entries(contents).map(([relpath, text]) => ({
    relpath,
    text,
    md5: md5Hex(text),
    size: Buffer.byteLength(text),
  }));
  const dir = buildDirObject(files);
  const push: PushFile[] = files.map((f) => ({
    hash: f.md5,
    size: f.size,
    source: () => Readable.from([Buffer.from(f.text)]),
  }));
  return { files, dir, push, dirObject: { hash: dir.hash, content: dir.content } };
};

describe('pushDataset', () => {
  it('puts every file and then the .dir on the remote; a second push uploads nothing', async () => {
    const remote = new InMemoryDvcRemote();
    const { files, dir, push, dirObject } = dataset(
      Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`task-${i}.json`, `{"id": ${i}}`])),
    );
    const first = await pushDataset(remote, { files: push, dirObject });
    expect(first.uploaded).toHaveLength(41);
    expect(first.uploaded.at(-1)).toBe(dir.hash);
    expect(remote.ids()).toEqual([...files.map((f) => f.md5), dir.hash].sort());
    await expect(pushDataset(remote, { files: push, dirObject })).resolves.toEqual({
      uploaded: [],
      alreadyThere: 41,
      meanwhile: undefined,
    });
  });

  it('uploads identical files once', async () => {
    const remote = new InMemoryDvcRemote();
    const { push, dirObject } = dataset({ 'a.json': '{}', 'b.json': '{}' });
    expect((await pushDataset(remote, { files: push, dirObject })).uploaded).toHaveLength(2);
  });

  it('keeps the .dir off the remote when a file fails, and finishes on the next push', async () => {
    const { files, dir, push, dirObject } = dataset({ 'a.json': 'a', 'b.json': 'b', 'c.json': 'c' });
    const remote = new InMemoryDvcRemote().failUploadOf(files[1].md5);
    const error = await pushDataset(remote, { files: push, dirObject }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DvcPushError);
    expect((error as DvcPushError).failed.map((f) => f.hash)).toEqual([files[1].md5]);
    expect(remote.has(dir.hash)).toBe(false);
    expect(remote.has(files[0].md5) && remote.has(files[2].md5)).toBe(true);
    remote.heal();
    expect((await pushDataset(remote, { files: push, dirObject })).uploaded).toEqual([files[1].md5, dir.hash]);
  });

  it('uploads a missing file even when the .dir is already there', async () => {
    const { files, dir, push, dirObject } = dataset({ 'a.json': 'a', 'b.json': 'b' });
    const remote = new InMemoryDvcRemote().seed(files[0].md5, 'a').seed(dir.hash, dir.content);
    expect((await pushDataset(remote, { files: push, dirObject })).uploaded).toEqual([files[1].md5]);
  });

  it("refuses a .dir listing a teammate's file that is not on the remote, and uploads nothing", async () => {
    const mine = dataset({ 'a.json': 'a' });
    const merged = buildDirObject([...mine.files, { relpath: 'teammate.json', md5: md5Hex('t'), size: 1 }]);
    const remote = new InMemoryDvcRemote();
    const push = () =>
      pushDataset(
        remote,
        { files: mine.push, dirObject: { hash: merged.hash, content: merged.content } },
        { mustExist: [md5Hex('t')] },
      );
    await expect(push()).rejects.toThrow(/lists 1 files that are not on .*without 'dvc push'; nothing uploaded/);
    expect(remote.ids()).toEqual([]);
    remote.seed(md5Hex('t'), 't');
    await expect(push()).resolves.toMatchObject({ uploaded: [md5Hex('a'), merged.hash] });
  });

  it('fails, storing nothing under the id, when a file changed after it was hashed', async () => {
    const remote = new InMemoryDvcRemote();
    const push = [{ hash: md5Hex('before'), source: () => Buffer.from('after') }];
    await expect(pushDataset(remote, { files: push })).rejects.toBeInstanceOf(DvcPushError);
    expect(remote.ids()).toEqual([]);
  });

  it('refuses a .dir whose content does not match its id', async () => {
    const { push, dir } = dataset({ 'a.json': 'a' });
    const remote = new InMemoryDvcRemote();
    await expect(
      pushDataset(remote, { files: push, dirObject: { hash: dir.hash, content: Buffer.from('[]') } }),
    ).rejects.toThrow(/hash to/);
    expect(remote.has(dir.hash)).toBe(false);
  });

  describe('to a local folder', () => {
    /** A real local remote that records its fsyncs of folders and how many uploads run at once. */
    class ObservedLocalRemote extends LocalDvcRemote {
      readonly synced: string[] = [];
      /** How many of the next folder fsyncs fail (EIO). */
      failSyncs = 0;
      running = 0;
      maxRunning = 0;
      constructor(readonly folder: string) {
        super(folder, undefined, {
          syncFiles: async () => undefined,
          syncDirs: async (dirs) => {
            if (this.failSyncs > 0) {
              this.failSyncs--;
              throw new Error('EIO');
            }
            this.synced.push(...dirs);
          },
        });
      }
      override async upload(id: string, source: ObjectSource, size?: number): Promise<void> {
        this.maxRunning = Math.max(this.maxRunning, ++this.running);
        try {
          await super.upload(id, source, size);
        } finally {
          this.running--;
        }
      }
    }

    /** The `files/md5/xx/` folder that holds object `id`, as the end of a synced path. */
    const folderOf = (id: string) => `/files/md5/${id.slice(0, 2)}`;

    async function withRemote(test: (remote: ObservedLocalRemote) => Promise<void>) {
      const root = await mkdtemp(join(tmpdir(), 'pusher-local-'));
      try {
        await test(new ObservedLocalRemote(root));
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    }

    it('uploads at most two objects at once (the PUTs share the thread pool and the disk: invariant 7)', () =>
      withRemote(async (remote) => {
        const { push } = dataset(
          Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`t${i}.json`, `{"id": ${i}}`])),
        );
        await pushDataset(remote, { files: push });
        expect(remote.maxRunning).toBe(2);
      }));

    /** Files stored beside the remote, offered with `linkTo` as the service's stored objects are. */
    async function linkable(root: string, files: ReturnType<typeof dataset>['files']): Promise<PushFile[]> {
      await mkdir(join(root, 'stored'));
      return Promise.all(
        files.map(async (file) => {
          const stored = join(root, 'stored', file.md5);
          await writeFile(stored, file.text);
          const linkTo = (path: string) => link(stored, path);
          return { hash: file.md5, size: file.size, source: Object.assign(() => Buffer.from(file.text), { linkTo }) };
        }),
      );
    }

    it.each([
      { name: 'links a few files eight at once (one call each, no bytes)', count: 30, copied: 0, most: 8 },
      { name: 'still two at once when one of them is copied', count: 30, copied: 1, most: 2 },
      { name: 'links many files two at once (a flush of thousands: the PUTs go on)', count: 501, copied: 0, most: 2 },
    ])('$name', ({ count, copied, most }) =>
      withRemote(async (remote) => {
        const { files, push } = dataset(
          Object.fromEntries(Array.from({ length: count }, (_, i) => [`t${i}.json`, `{"id": ${i}}`])),
        );
        const linked = await linkable(remote.folder, files);
        await pushDataset(remote, { files: [...push.slice(0, copied), ...linked.slice(copied)] });
        expect(remote.maxRunning).toBe(most);
        expect(await remote.missing(files.map((f) => f.md5))).toEqual(new Set());
        const last = files[count - 1].md5;
        const object = join(remote.folder, 'files/md5', last.slice(0, 2), last.slice(2));
        expect((await stat(object)).nlink).toBe(2); // linked, not copied
      }),
    );

    it('returns only once the renames of the files are durable, with no .dir to upload (a file dataset)', () =>
      withRemote(async (remote) => {
        const { files, push } = dataset({ 'a.json': 'a', 'b.json': 'b' });
        await pushDataset(remote, { files: push });
        for (const file of files) expect(remote.synced.some((dir) => dir.endsWith(folderOf(file.md5)))).toBe(true);
      }));

    it('makes the files it uploads ahead durable there, so that the push only names the .dir', () =>
      withRemote(async (remote) => {
        const { files, push, dir, dirObject } = dataset({ 'a.json': 'a', 'b.json': 'b' });
        const ahead = await uploadAhead(remote, push);
        for (const file of files) expect(remote.synced.some((d) => d.endsWith(folderOf(file.md5)))).toBe(true);
        expect(await remote.missing(files.map((f) => f.md5))).toEqual(new Set()); // present: not asked for again
        const syncedAhead = remote.synced.length;
        await pushDataset(remote, { files: push, dirObject }, { ahead });
        const afterwards = remote.synced.slice(syncedAhead);
        expect(afterwards.some((d) => d.endsWith(folderOf(dir.hash)))).toBe(true);
        for (const file of files) expect(afterwards.some((d) => d.endsWith(folderOf(file.md5)))).toBe(false);
        expect(await remote.read(dir.hash)).toEqual(dir.content);
      }));

    it('leaves the fsyncs that failed ahead to the push, which makes the files durable before naming the .dir', () =>
      withRemote(async (remote) => {
        const { files, push, dir, dirObject } = dataset({ 'a.json': 'a', 'b.json': 'b' });
        remote.failSyncs = 1;
        const ahead = await uploadAhead(remote, push); // resolves: the push syncs again
        expect(remote.synced).toEqual([]);
        expect(await remote.read(dir.hash)).toBeUndefined();
        await pushDataset(remote, { files: push, dirObject }, { ahead });
        const dirSynced = remote.synced.findIndex((d) => d.endsWith(folderOf(dir.hash)));
        for (const file of files) {
          const fileSynced = remote.synced.findIndex((d) => d.endsWith(folderOf(file.md5)));
          expect(fileSynced).toBeGreaterThanOrEqual(0);
          expect(fileSynced).toBeLessThan(dirSynced);
        }
      }));

    describe('with the .dir staged while its md5 was computed (DvcRemote.stage)', () => {
      // 20,000 entries (1.3 MB): past the page cache, so that the local folder writes it as soon as it is staged.
      const big = buildDirObject(
        Array.from({ length: 20_000 }, (_, i) => ({ relpath: `f/${i}.json`, md5: md5Hex(`${i}`), size: 1 })),
      );
      const tempFiles = async (remote: ObservedLocalRemote) =>
        (await readdir(remote.folder, { recursive: true })).filter((path) => path.endsWith('.tmp'));
      const staging = (remote: LocalDvcRemote) => ({
        hash: big.hash,
        content: big.content,
        hashed: true as const,
        staged: remote.stage(big.content),
      });

      it('names it once the files are durable, and leaves no temp file', () =>
        withRemote(async (remote) => {
          const good = { hash: md5Hex('good'), source: () => Buffer.from('good') };
          const pushed = await pushDataset(remote, { files: [good], dirObject: staging(remote) });
          expect(pushed.uploaded).toEqual([good.hash, big.hash]);
          const fileSynced = remote.synced.findIndex((dir) => dir.endsWith(folderOf(good.hash)));
          expect(remote.synced.map((dir) => dir.endsWith(folderOf(big.hash))).lastIndexOf(true)).toBeGreaterThan(
            fileSynced,
          );
          expect((await remote.read(big.hash))?.equals(big.content)).toBe(true);
          expect(await tempFiles(remote)).toEqual([]);
        }));

      it('discards it when a file fails, or when the remote has the .dir already', () =>
        withRemote(async (remote) => {
          const bad = { hash: md5Hex('bad'), source: () => Buffer.from('changed') };
          await expect(pushDataset(remote, { files: [bad], dirObject: staging(remote) })).rejects.toBeInstanceOf(
            DvcPushError,
          );
          expect(await remote.missing([big.hash])).toEqual(new Set([big.hash]));
          expect(await tempFiles(remote)).toEqual([]);

          await pushDataset(remote, { files: [], dirObject: staging(remote) });
          const again = await pushDataset(remote, { files: [], dirObject: staging(remote) });
          expect(again.uploaded).toEqual([]);
          expect(await tempFiles(remote)).toEqual([]);
        }));
    });

    it('makes the renames of the files that did upload durable when another one failed', () =>
      withRemote(async (remote) => {
        const good = { hash: md5Hex('good'), source: () => Buffer.from('good') };
        const bad = { hash: md5Hex('bad'), source: () => Buffer.from('changed') };
        await expect(pushDataset(remote, { files: [good, bad] })).rejects.toBeInstanceOf(DvcPushError);
        expect(remote.synced.some((dir) => dir.endsWith(folderOf(good.hash)))).toBe(true);
      }));
  });
});
