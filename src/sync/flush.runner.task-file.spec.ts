import { describe, expect, it } from '@jest/globals';
import { harnessPerTest, labelsOf, SyncHarness, taskBody } from '../../test/support/sync-harness.js';

// The flush of a JSON/JSONL dataset (one Label Studio export-shaped file) on the in-memory fakes.

const newHarness = harnessPerTest();
const harness = (datasetPath: string) => newHarness({ datasetPath });

const labels = (h: SyncHarness) => Object.fromEntries([...h.pulledTasks()].map(([id, task]) => [id, labelsOf(task)]));

describe.each(['data/annotations.json', 'data/annotations.jsonl'])('FlushRunner, %s', (datasetPath) => {
  it('commits one file of tasks, grouped by task id, on the remote', async () => {
    const h = harness(datasetPath);
    await h.putMany({
      'ann/1': taskBody(1, [{ id: 10, label: 'cat' }]),
      'ann/2': taskBody(2, [{ id: 20, label: 'dog' }]),
    });

    const summary = await h.flush();

    expect(summary).toMatchObject({ added: 2, uploadedObjects: 1 });
    expect(Object.keys(h.git.files()).sort()).toEqual(['data/.gitignore', `${datasetPath}.dvc`]);
    expect(h.git.files()['data/.gitignore']).toBe(`/${datasetPath.slice('data/'.length)}\n`);
    expect(h.out()).toMatchObject({ hash: 'md5' });
    expect(h.out()!.nfiles).toBeUndefined();
    expect(labels(h)).toEqual({ '1': ['cat'], '2': ['dog'] });
  });

  it('leaves non-Label-Studio objects out of the dataset, lists them as rejected, and keeps them in storage', async () => {
    const h = harness(datasetPath);
    await h.putMany({
      'ann/1': taskBody(1, [{ id: 10, label: 'cat' }]),
      'notes.txt': 'hello',
      'ann/bad.json': '{"neither": "task nor annotation"}',
    });

    await h.flush();

    expect(labels(h)).toEqual({ '1': ['cat'] });
    expect(h.state.progress().rejected.map((r) => r.key)).toEqual(['ann/bad.json', 'notes.txt']);
    expect(h.state.progress().rejected.every((r) => r.reason.length > 0)).toBe(true);
    expect(h.storage.bytesOf('notes.txt')?.toString()).toBe('hello');
    expect(h.git.log()[0]).toBe(`Update ${datasetPath}: 1 added\n\nA ann/1\n`);

    await h.put('notes.txt', 'hello again');
    expect((await h.flush()).commit).toBeNull();
    await h.delete('ann/bad.json');
    await h.flush();
    expect(h.state.progress().rejected.map((r) => r.key)).toEqual(['notes.txt']);
  });

  it('an object that turns into garbage takes its task out of the dataset', async () => {
    const h = harness(datasetPath);
    await h.putMany({
      'ann/1': taskBody(1, [{ id: 10, label: 'cat' }]),
      'ann/2': taskBody(2, [{ id: 20, label: 'dog' }]),
    });
    await h.flush();

    await h.put('ann/2', 'not json');
    await h.flush();

    expect(labels(h)).toEqual({ '1': ['cat'] });
    expect(h.git.log()[0]).toBe(`Update ${datasetPath}: 1 deleted\n\nD ann/2\n`);
  });

  it('updates and deletes tasks, and commits nothing when the same bytes come again', async () => {
    const h = harness(datasetPath);
    await h.putMany({
      'ann/1': taskBody(1, [{ id: 10, label: 'cat' }]),
      'ann/2': taskBody(2, [{ id: 20, label: 'dog' }]),
    });
    await h.flush();

    await h.put('ann/1', taskBody(1, [{ id: 10, label: 'lion' }]));
    await h.delete('ann/2');
    await h.put('tmp', taskBody(3, [{ id: 30, label: 'x' }]));
    await h.delete('tmp');
    const summary = await h.flush();

    expect(summary).toMatchObject({ added: 0, updated: 1, deleted: 1 });
    expect(labels(h)).toEqual({ '1': ['lion'] });
    expect(h.git.log()[0]).toBe(`Update ${datasetPath}: 1 updated, 1 deleted\n\nM ann/1\nD ann/2\n`);

    const tip = h.git.tip;
    await h.put('ann/1', taskBody(1, [{ id: 10, label: 'lion' }]));
    expect((await h.flush()).commit).toBeNull();
    expect(h.git.tip).toBe(tip);
    expect(await h.pending()).toBe(0);
  });

  it('a failing upload leaves no commit and the changes pending; the next flush commits them', async () => {
    const h = harness(datasetPath);
    await h.putMany({ 'ann/1': taskBody(1, [{ id: 10, label: 'cat' }]) });
    h.remote.goDown();

    await expect(h.flush()).rejects.toThrow(/simulated outage/);
    expect(h.git.tip).toBeNull();
    expect(await h.pending()).toBe(1);

    h.remote.heal();
    await h.flush();
    expect(labels(h)).toEqual({ '1': ['cat'] });
    expect(await h.pending()).toBe(0);
  });
});
