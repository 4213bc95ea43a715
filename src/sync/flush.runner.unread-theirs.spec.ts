import { describe, expect, it } from '@jest/globals';
import { harnessPerTest, labelsOf, taskBody } from '../../test/support/sync-harness.js';
import type { ExportTask } from '../dataset/dataset.types.js';
import { renderTasks } from '../dataset/task-file.codec.js';
import { md5Hex } from '../dvc/md5.util.js';

// Invariant 4 when the teammate's data is not readable: a teammate pushed the git commit before (or without)
// `dvc push`. We cannot merge what we cannot read, and must not overwrite it: the flush fails, stays pending,
// says why, and merges once their data is on the remote.

const harness = harnessPerTest();

describe('FlushRunner when the branch names a dataset the DVC remote does not have', () => {
  it('keeps everything pending with a clear error, then merges once the teammate has pushed the data', async () => {
    const h = harness({ datasetPath: 'data/annotations.json' });
    const elsewhere = harness({ datasetPath: 'data/annotations.json' }); // the teammate's own remote
    await h.put('ann/1', taskBody(1, [{ id: 10, label: 'cat' }]));
    await h.flush();
    const ourCommit = h.git.tip;

    const theirTasks = [...h.pulledTasks().values(), JSON.parse(taskBody(2, [{ id: 20, label: 'dog' }])) as ExportTask];
    await h.git.teammatePush(elsewhere.teammateTaskFile(theirTasks), 'Teammate: add task 2 (dvc push forgotten)');
    const teammateCommit = h.git.tip;
    await h.put('ann/3', taskBody(3, [{ id: 30, label: 'bird' }]));

    await expect(h.flush()).rejects.toThrow(/without 'dvc push'/);
    expect(h.git.tip).toBe(teammateCommit);
    expect(await h.pending()).toBe(1);
    expect(ourCommit).not.toBe(teammateCommit);

    const content = renderTasks(theirTasks, 'json');
    h.remote.seed(md5Hex(content), content); // the teammate runs `dvc push`
    const summary = await h.flush();

    expect(summary.merged).toBe(true);
    const tasks = h.pulledTasks();
    expect([...tasks.keys()].sort()).toEqual(['1', '2', '3']);
    expect(labelsOf(tasks.get('2'))).toEqual(['dog']);
    expect(await h.pending()).toBe(0);
  });
});
