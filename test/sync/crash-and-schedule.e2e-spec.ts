import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { removeTempRoots } from '../dvc/dvc-repo.harness.js';
import { git } from '../support/git-http-server.js';
import { startService, withLogs, type RunningService } from '../support/service.js';
import { flush, syncStatus, waitForStatus } from './harness/admin-client.js';
import { annotationBody, labelsByTask, numberedAnnotation } from './harness/label-studio-bodies.js';
import { gitCloneAndDvcPull, IN_SYNC } from './harness/pulled-dataset.js';
import { S3Objects } from './harness/s3-objects.js';

/**
 * Durability and scheduling with the default setup (embedded repository, local DVC remote, JSON dataset):
 * every acknowledged write reaches a commit across kill -9 and graceful stops; the scheduler commits without
 * being asked; a flush with nothing new makes no commit.
 */
const DATASET = 'data/annotations.json';
const repoOf = (service: RunningService) => join(service.dataDir, 'repo.git');
const commitCount = (service: RunningService) => Number(git(repoOf(service), 'rev-list', '--count', 'main').trim());
const lastMessage = (service: RunningService) => git(repoOf(service), 'log', '-1', '--format=%B', 'main');

const annotations = (from: number, to: number) =>
  Object.assign({}, ...Array.from({ length: to - from + 1 }, (_, i) => numberedAnnotation(from + i))) as Record<
    string,
    string
  >;
const expectedLabels = (to: number) =>
  Object.fromEntries(Array.from({ length: to }, (_, i) => [i + 1, [[101 + i, `label ${i + 1}`]]]));

afterAll(() => removeTempRoots());

describe('crash, restart and graceful stop', () => {
  let service: RunningService;
  let s3: S3Objects;
  beforeAll(async () => {
    service = await startService({ env: { DVC_DATASET_PATH: DATASET } });
    s3 = new S3Objects(service);
  });
  afterAll(async () => {
    s3?.close();
    await service?.stop();
  });

  it('kill -9 between acknowledged writes and the flush: after a restart, one flush commits all of them', async () => {
    await withLogs(service, async () => {
      await s3.putAll(annotations(1, 8));
      await service.kill9();
      await service.restart();
      const before = await syncStatus(service);
      expect({ pending: before.pending, lastCommit: before.lastCommit }).toEqual({ pending: 8, lastCommit: null });

      const after = await flush(service);
      expect({ lastError: after.lastError, pending: after.pending }).toEqual({ lastError: null, pending: 0 });
      const pulled = await gitCloneAndDvcPull(repoOf(service));
      expect(labelsByTask(pulled.tasks(DATASET).tasks)).toEqual(expectedLabels(8));
      expect(await pulled.syncState()).toEqual(IN_SYNC);
    });
  });

  it('SIGTERM with writes pending (new, updated, deleted): the shutdown flush commits them, no POST needed', async () => {
    await withLogs(service, async () => {
      const commits = commitCount(service);
      await s3.putAll(annotations(9, 11));
      await s3.put(
        'exports//101',
        annotationBody({ id: 101, task: 1, text: 'task 1', choice: 'relabelled', updatedAt: '2024-07-02T10:00:00Z' }),
      );
      await s3.delete('exports//102');
      await service.stop();
      try {
        // Read while the service is down: only the shutdown flush can have committed these.
        expect(commitCount(service)).toBe(commits + 1);
        expect(lastMessage(service)).toMatch(/^A exports\/\/109$/m);
        const pulled = await gitCloneAndDvcPull(repoOf(service));
        const { 2: _deleted, ...rest } = expectedLabels(11);
        expect(labelsByTask(pulled.tasks(DATASET).tasks)).toEqual({ ...rest, 1: [[101, 'relabelled']] });
      } finally {
        await service.restart();
      }
      const status = await syncStatus(service);
      expect({ pending: status.pending, lastCommit: status.lastCommit }).toEqual({
        pending: 0,
        lastCommit: git(repoOf(service), 'rev-parse', 'main').trim(),
      });
    });
  });

  it('no empty commits: flushing with nothing new, or after writing the same bytes again, commits nothing', async () => {
    await withLogs(service, async () => {
      await s3.putAll(annotations(12, 12));
      const committed = await flush(service);
      expect(committed.lastFlush?.commit).toMatch(/^[0-9a-f]{40}$/);
      const commits = commitCount(service);

      for (let i = 0; i < 2; i++) {
        const idle = await flush(service);
        expect({ commit: idle.lastFlush?.commit, lastCommit: idle.lastCommit, lastError: idle.lastError }).toEqual({
          commit: null,
          lastCommit: committed.lastCommit,
          lastError: null,
        });
      }
      await s3.putAll(annotations(12, 12)); // the very same bytes
      expect((await syncStatus(service)).pending).toBe(1);
      const same = await flush(service);
      expect({ commit: same.lastFlush?.commit, pending: same.pending, lastError: same.lastError }).toEqual({
        commit: null,
        pending: 0,
        lastError: null,
      });
      expect(commitCount(service)).toBe(commits);
    });
  });
});

describe('scheduler', () => {
  it('SYNC_INTERVAL_SECONDS=2: a write is committed without any POST', async () => {
    const service = await startService({ env: { DVC_DATASET_PATH: DATASET, SYNC_INTERVAL_SECONDS: '2' } });
    const s3 = new S3Objects(service);
    try {
      await withLogs(service, async () => {
        await s3.putAll(annotations(1, 1));
        const status = await waitForStatus(
          service,
          'the scheduled flush',
          (s) => s.lastCommit !== null && s.pending === 0,
        );
        expect(status.lastCommit).toBe(git(repoOf(service), 'rev-parse', 'main').trim());
        expect(lastMessage(service)).toMatch(/^A exports\/\/101$/m);
      });
    } finally {
      s3.close();
      await service.stop();
    }
  });

  it('SYNC_MAX_PENDING=3 with a long interval: the third write triggers the flush', async () => {
    const service = await startService({ env: { DVC_DATASET_PATH: DATASET, SYNC_MAX_PENDING: '3' } }); // interval: 1 day
    const s3 = new S3Objects(service);
    try {
      await withLogs(service, async () => {
        await s3.putAll(annotations(1, 2));
        const two = await syncStatus(service);
        expect({ pending: two.pending, lastCommit: two.lastCommit }).toEqual({ pending: 2, lastCommit: null });
        await s3.putAll(annotations(3, 3));
        const status = await waitForStatus(
          service,
          'the flush at 3 pending changes',
          (s) => s.lastCommit !== null && s.pending === 0,
        );
        expect(status.lastCommit).toBe(git(repoOf(service), 'rev-parse', 'main').trim());
        expect(
          lastMessage(service)
            .split('\n')
            .filter((line) => line.startsWith('A '))
            .sort(),
        ).toEqual(['A exports//101', 'A exports//102', 'A exports//103']);
      });
    } finally {
      s3.close();
      await service.stop();
    }
  });
});
