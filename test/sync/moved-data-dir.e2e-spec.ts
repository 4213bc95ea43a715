import { afterAll, expect, it } from '@jest/globals';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempRoots } from '../dvc/dvc-repo.harness.js';
import { git } from '../support/git-http-server.js';
import { startService, withLogs } from '../support/service.js';
import { flush } from './harness/admin-client.js';
import { labelsByTask, numberedAnnotation } from './harness/label-studio-bodies.js';
import { gitCloneAndDvcPull, IN_SYNC } from './harness/pulled-dataset.js';
import { S3Objects } from './harness/s3-objects.js';

/**
 * The embedded mode keeps everything in DATA_DIR, so an operator may move it (a new volume, a restored backup).
 * The branch's `.dvc/config` names the DVC remote by absolute path: after the move the service points it at the
 * new folder in one commit, pushes there, and a clone of the moved repository pulls every annotation.
 */
const DATASET = 'data/annotations.json';

const moved: string[] = [];
afterAll(() => {
  for (const dir of moved) rmSync(dir, { recursive: true, force: true });
  removeTempRoots();
});

it('DATA_DIR moved between two runs: the next flush pushes to the new folder, and git clone + dvc pull read it', async () => {
  const first = await startService({ env: { DVC_DATASET_PATH: DATASET } });
  const keys = { S3_ACCESS_KEY_ID: first.accessKeyId, S3_SECRET_ACCESS_KEY: first.secretAccessKey };
  await withLogs(first, async () => {
    const s3 = new S3Objects(first);
    await s3.putAll({ ...numberedAnnotation(1), ...numberedAnnotation(2) });
    s3.close();
    expect((await flush(first)).lastError).toBeNull();
  });
  await first.stop();
  const newDir = `${first.dataDir}-moved`;
  moved.push(newDir);
  renameSync(first.dataDir, newDir);

  const second = await startService({ dataDir: newDir, env: { DVC_DATASET_PATH: DATASET, ...keys } });
  try {
    await withLogs(second, async () => {
      const s3 = new S3Objects(second);
      await s3.putAll(numberedAnnotation(3));
      s3.close();
      const status = await flush(second);
      expect({ lastError: status.lastError, pending: status.pending }).toEqual({ lastError: null, pending: 0 });

      const repo = join(newDir, 'repo.git');
      expect(git(repo, 'log', '--format=%s', 'main').trim().split('\n').slice(1)).toEqual([
        'Point the DVC remote at its new folder',
        expect.any(String),
        'Initialize DVC',
      ]);
      expect(existsSync(first.dataDir)).toBe(false);
      const pulled = await gitCloneAndDvcPull(repo);
      expect(labelsByTask(pulled.tasks(DATASET).tasks)).toEqual({
        1: [[101, 'label 1']],
        2: [[102, 'label 2']],
        3: [[103, 'label 3']],
      });
      expect(await pulled.syncState()).toEqual(IN_SYNC);
    });
  } finally {
    await second.stop();
  }
});
