import { describe, expect, it } from '@jest/globals';
import { InMemoryGitRemote } from '../../test/fakes/in-memory-git.remote.js';
import { harnessPerTest, labelsOf, taskBody } from '../../test/support/sync-harness.js';
import type { ExportTask } from '../dataset/dataset.types.js';

// Invariant 4: a teammate's commit that lands between our fetch and our push is never lost. The push is
// refused (non-fast-forward), the flush rebuilds on the new tip, and merges when the teammate changed the
// dataset too: per file (directory) or per task (JSON/JSONL), ours winning only where both changed.

const harness = harnessPerTest();

function exportTask(id: number, labels: string[]): ExportTask {
  return JSON.parse(
    taskBody(
      id,
      labels.map((label, i) => ({ id: id * 100 + i, label })),
    ),
  ) as ExportTask;
}

describe('FlushRunner on a branch that moved during the flush', () => {
  it('rebuilds on the new tip: the teammate commit is an ancestor of ours and their files are kept', async () => {
    const git = await InMemoryGitRemote.withFiles({ 'README.md': 'v1\n' });
    const h = harness({ git });
    await h.putMany({ a: 'alpha' });
    git.teammatePushesBeforeNextPush(
      { 'README.md': 'v2 by a teammate\n', 'src/train.py': 'print(2)\n' },
      'Teammate: docs',
    );

    const summary = await h.flush();

    expect(summary).toMatchObject({ rebases: 1, merged: false });
    expect(git.log()).toEqual(['Update data/annotations: 1 added\n\nA a\n', 'Teammate: docs', 'Initial commit']);
    expect(git.files()).toMatchObject({ 'README.md': 'v2 by a teammate\n', 'src/train.py': 'print(2)\n' });
    expect(h.pulled()).toEqual({ a: 'alpha' });
    expect(await h.pending()).toBe(0);
  });

  it('gives up after repeated non-fast-forwards, keeping the changes pending', async () => {
    const h = harness();
    await h.putMany({ a: 'alpha' });
    let n = 0;
    const teammateKeepsPushing = () =>
      h.git.beforeNextPush(async () => {
        await h.git.teammatePush({ [`other/${n++}`]: 'x' });
        teammateKeepsPushing();
      });
    teammateKeepsPushing();

    await expect(h.flush()).rejects.toThrow(/kept moving/);

    expect(h.git.log().every((message) => message === 'Teammate commit')).toBe(true);
    expect(await h.pending()).toBe(1);
  });
});

describe('merge with a teammate who changed the same directory dataset', () => {
  const cases = [
    { name: 'their commit lands between our fetch and our push', race: true },
    { name: 'their commit is on the branch before our flush starts', race: false },
  ];

  it.each(cases)(
    '$name: per file, ours wins only on both-changed; their additions survive later flushes',
    async ({ race }) => {
      const h = harness();
      await h.putMany({
        keep: 'base keep',
        ours: 'base ours',
        theirs: 'base theirs',
        both: 'base both',
        gone: 'base gone',
        'gone-theirs': 'base gone-theirs',
      });
      await h.flush();

      await h.putMany({ ours: 'OUR edit', both: 'OUR both', 'new-ours': 'OUR new' });
      await h.delete('gone');
      const teammate = h.teammateDirectory({
        keep: 'base keep',
        ours: 'base ours',
        theirs: 'THEIR edit',
        both: 'THEIR both',
        gone: 'base gone',
        'new-theirs': 'THEIR new',
      }); // and they deleted gone-theirs
      if (race) h.git.teammatePushesBeforeNextPush(teammate, 'Teammate: dvc push');
      else await h.git.teammatePush(teammate, 'Teammate: dvc push');
      const theirCommit = race ? null : h.git.tip;

      const summary = await h.flush();

      expect(summary).toMatchObject({ merged: true, rebases: race ? 1 : 0 });
      const merged = {
        keep: 'base keep',
        ours: 'OUR edit',
        theirs: 'THEIR edit',
        both: 'OUR both',
        'new-ours': 'OUR new',
        'new-theirs': 'THEIR new',
      };
      expect(h.pulled()).toEqual(merged);
      expect(h.git.log().slice(0, 2)).toEqual([
        'Update data/annotations: 1 added, 2 updated, 1 deleted\n\nA new-ours\nM both\nM ours\nD gone\n',
        'Teammate: dvc push',
      ]);
      if (theirCommit) expect(h.git.log()).toHaveLength(3);

      // Regression trap: the merged dataset is the next base, so their files are not "deleted by us" later.
      await h.put('later', 'LATER');
      await h.flush();
      expect(h.pulled()).toEqual({ ...merged, later: 'LATER' });
      await h.delete('keep');
      await h.flush();
      const { keep: _, ...rest } = merged;
      expect(h.pulled()).toEqual({ ...rest, later: 'LATER' });
    },
  );

  it('refuses to commit a merge that lists files the teammate never pushed to the DVC remote', async () => {
    const h = harness();
    await h.putMany({ a: 'alpha' });
    await h.flush();
    await h.git.teammatePush(
      h.teammateDirectory({ a: 'alpha', forgot: 'git push without dvc push' }, { unpushed: ['forgot'] }),
    );
    const tip = h.git.tip;
    await h.put('b', 'bravo');

    await expect(h.flush()).rejects.toThrow(/forgot .*does not have it/);

    expect(h.git.tip).toBe(tip);
    expect(await h.pending()).toBe(1);
  });
});

describe('merge with a teammate who changed the same JSON dataset', () => {
  const layouts = ['data/annotations.json', 'data/annotations.jsonl'];

  it.each(layouts)(
    '%s: per task, ours wins only on both-changed; their tasks survive later flushes',
    async (datasetPath) => {
      const h = harness({ datasetPath });
      await h.putMany({
        'ann/1': taskBody(1, [{ id: 10, label: 'base' }]),
        'ann/2': taskBody(2, [{ id: 20, label: 'base' }]),
        'ann/3': taskBody(3, [{ id: 30, label: 'base' }]),
        'ann/4': taskBody(4, [{ id: 40, label: 'base' }]),
      });
      await h.flush();
      const base = h.pulledTasks();

      await h.put('ann/2', taskBody(2, [{ id: 20, label: 'ours' }]));
      await h.put('ann/4', taskBody(4, [{ id: 40, label: 'ours-both' }]));
      await h.put('ann/5', taskBody(5, [{ id: 50, label: 'ours-new' }]));
      const teammate = h.teammateTaskFile([
        base.get('1')!,
        base.get('2')!,
        exportTask(3, ['theirs']),
        exportTask(4, ['theirs-both']),
        exportTask(100, ['theirs-new']),
      ]);
      h.git.teammatePushesBeforeNextPush(teammate, 'Teammate: relabel');

      const summary = await h.flush();

      expect(summary).toMatchObject({ merged: true, rebases: 1 });
      expect(h.git.log()[1]).toBe('Teammate: relabel');
      const labels = () => Object.fromEntries([...h.pulledTasks()].map(([id, task]) => [id, labelsOf(task)]));
      const merged = {
        '1': ['base'],
        '2': ['ours'],
        '3': ['theirs'],
        '4': ['ours-both'],
        '5': ['ours-new'],
        '100': ['theirs-new'],
      };
      expect(labels()).toEqual(merged);

      // Regression trap: a later flush keeps their tasks, and our deletes still apply.
      await h.put('ann/6', taskBody(6, [{ id: 60, label: 'later' }]));
      await h.flush();
      expect(labels()).toEqual({ ...merged, '6': ['later'] });
      await h.delete('ann/1');
      await h.flush();
      const { '1': _, ...rest } = merged;
      expect(labels()).toEqual({ ...rest, '6': ['later'] });
    },
  );

  it('the first flush into a branch that already has a task file keeps their tasks and adds ours', async () => {
    const h = harness({ datasetPath: 'data/annotations.json' });
    await h.git.teammatePush(h.teammateTaskFile([exportTask(7, ['theirs']), exportTask(8, ['theirs'])]));
    await h.putMany({
      'ann/8': taskBody(8, [{ id: 80, label: 'ours' }]),
      'ann/9': taskBody(9, [{ id: 90, label: 'ours' }]),
    });

    const summary = await h.flush();

    expect(summary.merged).toBe(true);
    expect(Object.fromEntries([...h.pulledTasks()].map(([id, task]) => [id, labelsOf(task)]))).toEqual({
      '7': ['theirs'],
      '8': ['ours'],
      '9': ['ours'],
    });
  });
});
