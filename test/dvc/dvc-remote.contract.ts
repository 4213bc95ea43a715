import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import { buildDirObject } from '../support/dir-object.js';
import type { DvcRemote } from '../../src/dvc/dvc.remote.js';
import { DvcRemoteError } from '../../src/dvc/dvc-remote.error.js';
import { pushDataset } from '../../src/dvc/dataset.pusher.js';
import { md5Hex } from '../../src/dvc/md5.util.js';

/** Contents whose md5 all start with `prefix`: one `files/md5/xx/` folder, so S3 lists it instead of HEADs. */
export function contentsInOneFolder(count: number, prefix = 'ab'): Buffer[] {
  const found: Buffer[] = [];
  for (let i = 0; found.length < count; i++)
    if (md5Hex(String(i)).startsWith(prefix)) found.push(Buffer.from(String(i)));
  return found;
}

/**
 * What the sync engine relies on from a DVC remote, run against every kind and against the fake: a fake that
 * passes this suite cannot make an engine test pass that would fail for real.
 */
export function describeDvcRemoteContract(name: string, makeRemote: () => DvcRemote): void {
  describe(`DvcRemote contract: ${name}`, () => {
    it('stores a Buffer, a stream with its size and a stream without, and reads them back', async () => {
      const remote = makeRemote();
      const [a, b, c] = ['{"label": "cat"}\n', 'x'.repeat(300_000), ''].map((s) => Buffer.from(s));
      const ids = [a, b, c].map((bytes) => md5Hex(bytes));
      expect(await remote.missing(ids)).toEqual(new Set(ids));
      await remote.upload(ids[0], () => a);
      await remote.upload(ids[1], () => Readable.from([b.subarray(0, 1000), b.subarray(1000)]), b.length);
      await remote.upload(ids[2], () => Readable.from([c]));
      expect(await remote.missing([...ids, md5Hex('absent')])).toEqual(new Set([md5Hex('absent')]));
      expect((await remote.read(ids[1]))?.equals(b)).toBe(true);
      expect(await remote.read(md5Hex('absent'))).toBeUndefined();
      await remote.upload(ids[0], () => a); // again: harmless
      expect(await remote.check()).toEqual({ ok: true });
    });

    it('refuses bytes that do not hash to the id and keeps nothing', async () => {
      const remote = makeRemote();
      const id = md5Hex('what was hashed');
      await expect(
        remote.upload(id, () => Readable.from([Buffer.from('what is there now')]), 17),
      ).rejects.toBeInstanceOf(DvcRemoteError);
      await expect(remote.upload(id, () => Readable.from([Buffer.from('what is there now')]))).rejects.toThrow(
        /changed after it was hashed/,
      );
      await expect(remote.upload(id, () => Buffer.from('what is there now'))).rejects.toThrow(
        /changed after it was hashed/,
      );
      expect(await remote.missing([id])).toEqual(new Set([id]));
      expect(await remote.read(id)).toBeUndefined();
    });

    it('finds what is missing among many objects of one folder', async () => {
      const remote = makeRemote();
      const contents = contentsInOneFolder(12);
      const present = contents.filter((_, i) => i % 3 === 0);
      for (const bytes of present) await remote.upload(md5Hex(bytes), () => bytes);
      const dirId = `${md5Hex(contents[1])}.dir`;
      const missing = await remote.missing([...contents.map((bytes) => md5Hex(bytes)), dirId]);
      expect([...missing].sort()).toEqual(
        [...contents.filter((_, i) => i % 3 !== 0).map((bytes) => md5Hex(bytes)), dirId].sort(),
      );
    });

    it('finds what is missing among objects spread over many folders', async () => {
      const remote = makeRemote();
      const contents = Array.from({ length: 60 }, (_, i) => Buffer.from(`task ${i}`));
      const present = contents.filter((_, i) => i % 2 === 0);
      for (const bytes of present) await remote.upload(md5Hex(bytes), () => bytes);
      const missing = await remote.missing(contents.map((bytes) => md5Hex(bytes)));
      expect([...missing].sort()).toEqual(
        contents
          .filter((_, i) => i % 2 === 1)
          .map((bytes) => md5Hex(bytes))
          .sort(),
      );
    });

    it('stores a staged listing under the id computed meanwhile, and keeps nothing it discards', async () => {
      const remote = makeRemote();
      const files = [0, 1, 2].map((i) => Buffer.from(`{"id": ${i}, "run": ${Math.random()}}`));
      for (const bytes of files) await remote.upload(md5Hex(bytes), () => bytes);
      // 1.3 MB (long relpaths), as a listing of 20,000 files: large enough for a remote to write it once staged.
      const listing = buildDirObject(
        files.map((bytes, i) => ({ relpath: `${i}/${'x'.repeat(450_000)}`, md5: md5Hex(bytes), size: bytes.length })),
      ).content;
      const dropped = Buffer.concat([listing, Buffer.from(' ')]);
      const [id, droppedId] = [listing, dropped].map((bytes) => `${md5Hex(bytes)}.dir`);
      const kept = remote.stage(listing);
      const discarded = remote.stage(dropped);
      expect(await remote.missing([id, droppedId])).toEqual(new Set([id, droppedId]));
      await discarded.discard();
      await kept.commit(id);
      await kept.discard(); // once the push is over, whatever it did: the committed object stays
      expect((await remote.read(id))?.equals(listing)).toBe(true);
      expect(await remote.missing([id, droppedId])).toEqual(new Set([droppedId]));
      expect(await remote.read(droppedId)).toBeUndefined();
    });

    it('refuses an id that is not an md5', async () => {
      const remote = makeRemote();
      await expect(remote.missing(['../../etc/passwd'])).rejects.toThrow(/not a DVC object id/);
      await expect(remote.upload('ABC', () => Buffer.from('x'))).rejects.toThrow(/not a DVC object id/);
    });

    it('takes a dataset pushed in the one order (files, then the .dir) and serves it back as dvc pull reads it', async () => {
      const remote = makeRemote();
      const files = Array.from({ length: 12 }, (_, i) => Buffer.from(`{"id": ${i}, "run": ${Math.random()}}`));
      const dir = buildDirObject(
        files.map((bytes, i) => ({ relpath: `t/${i}.json`, md5: md5Hex(bytes), size: bytes.length })),
      );
      const dataset = {
        files: files.map((bytes) => ({
          hash: md5Hex(bytes),
          source: () => Readable.from([bytes]),
          size: bytes.length,
        })),
        dirObject: { hash: dir.hash, content: dir.content },
      };
      const first = await pushDataset(remote, dataset);
      expect(first.uploaded).toHaveLength(13);
      expect(first.uploaded.at(-1)).toBe(dir.hash);
      expect((await remote.read(dir.hash))?.equals(dir.content)).toBe(true);
      for (const bytes of files) expect((await remote.read(md5Hex(bytes)))?.equals(bytes)).toBe(true);
      await expect(pushDataset(remote, dataset)).resolves.toEqual({ uploaded: [], alreadyThere: 13 });
    });
  });
}
