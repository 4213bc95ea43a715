import { describe, expect, it, jest } from '@jest/globals';
import { Readable } from 'node:stream';
import { InMemoryGitRemote } from '../../test/fakes/in-memory-git.remote.js';
import { InMemoryStorageBackend } from '../../test/fakes/in-memory-storage.backend.js';
import { harnessPerTest, SECRETS, SyncHarness } from '../../test/support/sync-harness.js';
import { buildDirObject } from '../../test/support/dir-object.js';
import { md5Hex } from '../dvc/md5.util.js';

// The flush of a directory dataset (DVC_DATASET_PATH=data/annotations) on the in-memory fakes: what lands on
// the branch and on the DVC remote, as `git pull && dvc pull` would see it.

const md5 = (text: string) => md5Hex(Buffer.from(text));

const harness = harnessPerTest();

describe('FlushRunner, directory layout', () => {
  it('commits the .dvc and .gitignore of the dataset, whose objects are all on the remote', async () => {
    const h = harness();
    await h.putMany({ 'exports/1.json': '{"a":1}', 'exports/2.json': '{"b":2}' });

    const summary = await h.flush();

    expect(summary).toMatchObject({ added: 2, updated: 0, deleted: 0, uploadedObjects: 3, rebases: 0, merged: false });
    expect(h.git.tip).toBe(summary.commit);
    expect(Object.keys(h.git.files()).sort()).toEqual(['data/.gitignore', 'data/annotations.dvc']);
    expect(h.git.files()['data/.gitignore']).toBe('/annotations\n');
    expect(h.out()).toMatchObject({ path: 'annotations', nfiles: 2, size: 14, hash: 'md5' });
    expect(h.pulled()).toEqual({ 'exports/1.json': '{"a":1}', 'exports/2.json': '{"b":2}' });
    expect(await h.pending()).toBe(0);
  });

  it("enters a multipart object with the md5 of its bytes (DVC's hash), not its ETag", async () => {
    const h = harness();
    const upload = await h.storage.createUpload({ key: 'big.json', userMetadata: {} });
    const part = await h.storage.uploadPart({
      uploadId: upload.uploadId,
      key: 'big.json',
      partNumber: 1,
      body: Readable.from([Buffer.from('{"multipart": true}')]),
      maxSize: 1 << 20,
    });
    const meta = await h.storage.completeUpload({
      uploadId: upload.uploadId,
      key: 'big.json',
      parts: [{ partNumber: 1, etag: part.md5, checksums: {} }],
      maxSize: 1 << 20,
    });
    expect(meta.multipart?.etag).toMatch(/-1$/);

    await h.flush();

    expect(h.remote.has(md5('{"multipart": true}'))).toBe(true);
    expect(h.out()!.md5).toBe(predictDir({ 'big.json': '{"multipart": true}' }));
    expect(h.pulled()).toEqual({ 'big.json': '{"multipart": true}' });
  });

  it('puts the .dir on the remote only after every file object (invariant 2)', async () => {
    const h = harness();
    await h.putMany({ a: 'alpha', b: 'bravo', c: 'charlie', 'd/e': 'delta' });

    await h.flush();

    const dir = h.out()!.md5!;
    expect(h.remote.arrivals.at(-1)).toBe(dir);
    expect(h.remote.arrivals.slice(0, -1).sort()).toEqual(['alpha', 'bravo', 'charlie', 'delta'].map(md5).sort());
  });

  describe('a flush that fails leaves no commit, no .dir and the changes pending; the next one commits everything', () => {
    const cases: Array<{ name: string; breakIt: (h: SyncHarness, dir: string) => void; dirOnRemote: boolean }> = [
      { name: 'one file upload fails', breakIt: (h) => h.remote.failUploadOf(md5('bravo')), dirOnRemote: false },
      { name: 'the .dir upload fails', breakIt: (h, dir) => h.remote.failUploadOf(dir), dirOnRemote: false },
      { name: 'the DVC remote is down', breakIt: (h) => h.remote.goDown(), dirOnRemote: false },
      { name: 'the git fetch fails', breakIt: (h) => h.git.failNext('fetch'), dirOnRemote: false },
      {
        name: 'the git push is declined by the server',
        breakIt: (h) => h.git.failNext('push', new Error('protected branch hook declined')),
        dirOnRemote: true,
      },
    ];

    it.each(cases)('$name', async ({ breakIt, dirOnRemote }) => {
      const h = harness();
      await h.putMany({ a: 'alpha' });
      await h.flush();
      const before = { tip: h.git.tip, files: h.git.files(), synced: h.state.progress().syncedSeq };
      await h.putMany({ b: 'bravo', c: 'charlie' });
      await h.delete('a');
      const expectedDir = predictDir({ b: 'bravo', c: 'charlie' });
      breakIt(h, expectedDir);

      await expect(h.flush()).rejects.toThrow();

      expect(h.git.tip).toBe(before.tip);
      expect(h.git.files()).toEqual(before.files);
      expect(h.remote.has(expectedDir)).toBe(dirOnRemote);
      expect(h.state.progress().syncedSeq).toBe(before.synced);
      expect(await h.pending()).toBe(3);
      expect(h.pulled()).toEqual({ a: 'alpha' });

      h.remote.heal();
      const summary = await h.flush();

      expect(summary).toMatchObject({ added: 2, deleted: 1 });
      expect(h.out()!.md5).toBe(expectedDir);
      expect(h.pulled()).toEqual({ b: 'bravo', c: 'charlie' });
      expect(await h.pending()).toBe(0);
    });
  });

  it('changes only the dataset .dvc and its .gitignore line: every other file of the branch stays byte for byte (invariant 3)', async () => {
    const team = {
      'README.md': '# Team project\r\nno trailing newline',
      'src/train.py': 'import dvc.api\n\nprint("train")\n',
      'data/.gitignore': '# raw inputs\n/raw\n',
      'data/raw.dvc':
        'outs:\n- md5: 0123456789abcdef0123456789abcdef.dir\n  size: 3\n  nfiles: 1\n  hash: md5\n  path: raw\n',
      '.dvc/config': '[core]\n    remote = storage\n[\'remote "storage"\']\n    url = s3://bucket/dvc\n',
      'data/annotations/README': 'not ours to touch\n',
    };
    const git = await InMemoryGitRemote.withFiles(team);
    const h = harness({ git });
    const others = (files: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(files).filter(([path]) => path !== 'data/annotations.dvc' && path !== 'data/.gitignore'),
      );

    await h.putMany({ 'x.json': '1', 'y.json': '2' });
    const first = (await h.flush()).commit!;
    await h.put('x.json', '3');
    await h.delete('y.json');
    const second = (await h.flush()).commit!;

    for (const commit of [first, second]) expect(others(h.git.files(commit))).toEqual(others(team));
    expect(h.git.files(first)['data/.gitignore']).toBe('# raw inputs\n/raw\n/annotations\n');
    expect(h.git.files(second)['data/.gitignore']).toBe(h.git.files(first)['data/.gitignore']);
    expect(h.git.files(second)['data/annotations.dvc']).not.toBe(h.git.files(first)['data/annotations.dvc']);
    expect(h.pulled()).toEqual({ 'x.json': '3' });
  });

  describe('no empty commit', () => {
    const cases: Array<{ name: string; change: (h: SyncHarness) => Promise<void> }> = [
      { name: 'nothing changed', change: async () => {} },
      { name: 'the same bytes were written again', change: (h) => h.putMany({ a: 'alpha', b: 'bravo' }) },
      {
        name: 'a new key was put then deleted',
        change: async (h) => (await h.put('tmp/new', 'x'), await h.delete('tmp/new')),
      },
      {
        name: 'a key was changed and changed back',
        change: async (h) => (await h.put('a', 'other'), await h.put('a', 'alpha')),
      },
    ];

    it.each(cases)('$name', async ({ change }) => {
      const h = harness();
      await h.putMany({ a: 'alpha', b: 'bravo' });
      await h.flush();
      const tip = h.git.tip;
      const uploads = h.remote.arrivals.length;

      await change(h);
      const summary = await h.flush();

      expect(summary.commit).toBeNull();
      expect(h.git.tip).toBe(tip);
      expect(h.git.log()).toHaveLength(1);
      expect(h.remote.arrivals.length).toBe(uploads);
      expect(await h.pending()).toBe(0);
    });
  });

  it('a deleted object leaves the dataset', async () => {
    const h = harness();
    await h.putMany({ 'a/1': 'one', 'a/2': 'two', b: 'three' });
    await h.flush();

    await h.delete('a/1');
    await h.delete('b');
    const summary = await h.flush();

    expect(summary).toMatchObject({ added: 0, updated: 0, deleted: 2 });
    expect(h.pulled()).toEqual({ 'a/2': 'two' });
    expect(h.out()).toMatchObject({ nfiles: 1, size: 3 });
  });

  it('a change acknowledged while the flush pushes is pending afterwards, and the next flush commits it', async () => {
    const h = harness();
    await h.putMany({ a: 'alpha' });
    h.git.beforeNextPush(() => h.put('late', 'written during the push'));

    await h.flush();

    expect(h.pulled()).toEqual({ a: 'alpha' });
    expect(await h.pending()).toBe(1);

    const summary = await h.flush();

    expect(summary.added).toBe(1);
    expect(h.pulled()).toEqual({ a: 'alpha', late: 'written during the push' });
    expect(await h.pending()).toBe(0);
  });

  describe('an object changed while its bytes are uploaded is planned again, never pushed as a corrupt object', () => {
    it.each([
      { name: 'overwritten', race: (h: SyncHarness) => h.put('a', 'second version'), pulled: { a: 'second version' } },
      { name: 'deleted', race: (h: SyncHarness) => h.delete('a'), pulled: {} },
    ])('$name', async ({ race, pulled }) => {
      const h = harness();
      await h.putMany({ a: 'first version' });
      h.remote.beforeNextUpload(() => race(h));

      const summary = await h.flush();

      expect(summary.commit).not.toBeNull();
      expect(h.pulled()).toEqual(pulled);
      expect(h.remote.ids()).not.toContain(md5('first version'));
      expect(await h.pending()).toBe(1); // the racing change came after the flush's journal position…
      expect((await h.flush()).commit).toBeNull(); // …and is already in the commit
    });
  });

  it('touches only the changed objects: 3 changes on top of 1,000 pushed files upload 3 files and 1 .dir', async () => {
    const storage = new CountingStorage();
    const h = harness({ storage });
    for (let i = 0; i < 1000; i++) await h.put(`img/${String(i).padStart(4, '0')}.json`, `{"i":${i}}`);
    await h.flush();
    h.remote.arrivals.length = 0;
    storage.reads = 0;

    await h.put('img/0001.json', '{"i":"changed"}');
    await h.put('img/new.json', '{"new":true}');
    await h.delete('img/0500.json');
    const summary = await h.flush();

    expect(summary).toMatchObject({ added: 1, updated: 1, deleted: 1, uploadedObjects: 3 });
    expect(h.remote.arrivals.slice(0, -1).sort()).toEqual([md5('{"i":"changed"}'), md5('{"new":true}')].sort());
    expect(h.remote.arrivals.at(-1)).toBe(h.out()!.md5);
    expect(storage.reads).toBeLessThanOrEqual(3 /* head of each change */ + 2 /* bytes of each put */);
    expect(h.out()).toMatchObject({ nfiles: 1000 });
  });

  describe('after a restart, the last push is loaded ahead of the first flush (prepare)', () => {
    const files = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`objects/${i}.json`, `{"i":${i}}`]));
    const changed = { ...files, 'objects/7.json': '{"i":"seven"}' };

    it.each([
      { name: 'prepared while idle', prepared: true },
      { name: 'asked to flush while it still loads', prepared: false },
    ])(
      '$name: the last push is read once, not again by the flush, which pushes the same .dir',
      async ({ prepared }) => {
        const h = harness();
        await h.putMany(files);
        await h.flush();
        const restarted = h.restartedRunner();
        const reads = jest.spyOn(h.state, 'items');
        const preparing = restarted.prepare();
        if (prepared) await preparing;
        if (prepared) expect(reads).toHaveBeenCalledTimes(1);
        await h.put('objects/7.json', '{"i":"seven"}');

        const summary = await restarted.run();

        expect(reads).toHaveBeenCalledTimes(1);
        expect(summary).toMatchObject({ added: 0, updated: 1, deleted: 0, uploadedObjects: 2 });
        expect(h.out()!.md5).toBe(predictDir(changed));
        expect(h.pulled()).toEqual(changed);
      },
    );

    it("settles the DVC remote the startup resolved (a crashed predecessor's unsynced folders) before the first flush", async () => {
      const h = harness();
      await h.putMany(files);
      await h.flush();
      const restarted = h.restartedRunner();
      await restarted.checkTarget(); // at startup, as the sync loop does
      const settled = jest.spyOn(h.remote, 'syncUploads');

      await restarted.prepare();

      expect(settled).toHaveBeenCalledTimes(1);
      await h.put('objects/7.json', '{"i":"seven"}');
      await restarted.run();
      expect(h.pulled()).toEqual(changed);
    });

    it('without it, the first flush reads the last push from the sync state, to the same .dir', async () => {
      const h = harness();
      await h.putMany(files);
      await h.flush();
      const restarted = h.restartedRunner();
      const reads = jest.spyOn(h.state, 'items');
      await h.put('objects/7.json', '{"i":"seven"}');

      await restarted.run();

      expect(reads).toHaveBeenCalledTimes(1);
      expect(h.out()!.md5).toBe(predictDir(changed));
    });
  });

  it('the first flush into a branch that already has the dataset keeps their files and adds ours', async () => {
    const git = new InMemoryGitRemote();
    const h = harness({ git });
    await git.teammatePush(
      h.teammateDirectory({ 'theirs/1': 'their one', shared: 'their shared' }),
      'dvc add data/annotations',
    );
    await h.putMany({ 'ours/1': 'our one', shared: 'our shared' });

    const summary = await h.flush();

    expect(summary.merged).toBe(true);
    expect(h.pulled()).toEqual({ 'theirs/1': 'their one', 'ours/1': 'our one', shared: 'our shared' });
    expect(h.git.log()).toHaveLength(2);
  });

  it('commit messages list the changed keys and hold no secret', async () => {
    const h = harness();
    await h.putMany({ 'exports/1': 'a', 'exports/2': 'b', 'exports/3': 'c' });
    await h.flush();
    await h.put('exports/2', 'B');
    await h.put('exports/4', 'd');
    await h.delete('exports/3');
    await h.flush();

    const [second, first] = h.git.log();
    expect(first).toBe('Update data/annotations: 3 added\n\nA exports/1\nA exports/2\nA exports/3\n');
    expect(second).toBe(
      'Update data/annotations: 1 added, 1 updated, 1 deleted\n\nA exports/4\nM exports/2\nD exports/3\n',
    );
    for (const message of h.git.log())
      for (const secret of Object.values(SECRETS)) expect(message).not.toContain(secret);
  });
});

/** Counts the object reads (head and get) the sync engine makes. */
class CountingStorage extends InMemoryStorageBackend {
  reads = 0;
  override headObject(key: string) {
    this.reads++;
    return super.headObject(key);
  }
  override getObject(key: string, range?: Parameters<InMemoryStorageBackend['getObject']>[1]) {
    this.reads++;
    return super.getObject(key, range);
  }
}

/** The `.dir` id DVC gives these files (content-addressed, so known before the flush). */
function predictDir(files: Record<string, string>): string {
  return buildDirObject(
    Object.entries(files).map(([relpath, content]) => ({ relpath, md5: md5(content), size: content.length })),
  ).hash;
}
