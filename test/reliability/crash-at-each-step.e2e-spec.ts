import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { CRASH_STEPS, type CrashStep } from '../../src/config/crash-steps.js';
import { removeTempRoots, tempRoot } from '../dvc/dvc-repo.harness.js';
import { git, startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';
import { startService, withLogs, type RunningService } from '../support/service.js';
import { flush } from '../sync/harness/admin-client.js';
import { labelsByTask } from '../sync/harness/label-studio-bodies.js';
import { gitCloneAndDvcPull, IN_SYNC } from '../sync/harness/pulled-dataset.js';
import { S3Objects } from '../sync/harness/s3-objects.js';
import { branchTip, createDvcRepo } from '../sync/harness/team-repo.js';
import { AcknowledgedWrites } from './harness/acknowledged-writes.js';
import { REMOTE_KINDS, type RunningRemoteKind } from './harness/remote-kinds.js';

/**
 * A crash at each step of a flush (DVC_SYNC_TEST_CRASH_AFTER: SIGKILL the moment the step completes), for each
 * dataset layout and each DVC remote kind. After a restart and one flush: exactly one new commit on the branch
 * (never two commits of one change, never a commit whose data is not on the remote), a fresh clone where
 * `dvc pull` brings every acknowledged write and `dvc status -c` is clean.
 */
const GIT_TOKEN = `ghp_${randomBytes(12).toString('hex')}`;
const PUSHED_FROM: CrashStep = 'push-sent'; // from this step on, the branch holds the commit when the process dies

const LAYOUTS = [
  { layout: 'directory', path: 'data/annotations', steps: [...CRASH_STEPS] },
  // A single-file dataset has no `.dir`: that step does not exist for it.
  { layout: 'json', path: 'data/annotations.json', steps: CRASH_STEPS.filter((step) => step !== 'dir-uploaded') },
];

let gitRoot: string;
let gitServer: GitHttpServer;
beforeAll(async () => {
  gitRoot = tempRoot('crash-git');
  gitServer = await startGitHttpServer({ root: gitRoot, username: 'sync-bot', password: GIT_TOKEN });
});
afterAll(async () => {
  await gitServer?.stop();
  removeTempRoots();
});

const commitCount = (bare: string) => Number(git(bare, 'rev-list', '--count', 'main').trim());

describe.each(REMOTE_KINDS)('DVC remote: $name', (kind) => {
  let remotes: RunningRemoteKind;
  beforeAll(async () => {
    remotes = await kind.start();
  });
  afterAll(async () => {
    await remotes?.stop();
  });

  describe.each(LAYOUTS)('$layout dataset ($path)', ({ layout, path, steps }) => {
    const name = `crash-${kind.name.replace(/\W+/g, '-')}-${layout}`;
    const acknowledged = new AcknowledgedWrites();
    let bare: string;
    let dataDir: string;
    let env: Record<string, string>;
    let configLocal: string | undefined;
    beforeAll(() => {
      const location = remotes.location(name);
      bare = createDvcRepo(gitRoot, name, location.dvcConfig);
      dataDir = tempRoot(`${name}-data`);
      configLocal = location.configLocal;
      env = {
        GIT_REPO_URL: gitServer.url(`${name}.git`),
        GIT_USERNAME: 'sync-bot',
        GIT_TOKEN,
        DVC_DATASET_PATH: path,
        ...location.serviceEnv,
      };
    });

    /** Step n: a new annotation, the previous one relabelled, and every third step one deleted. */
    async function writeRound(s3: S3Objects, n: number): Promise<void> {
      const added = AcknowledgedWrites.annotation(100 + n, n, `label ${n}`);
      await s3.put(added.key, added.body);
      acknowledged.put(added.key, added.body, { task: n, id: 100 + n, choice: `label ${n}` });
      if (n > 1) {
        const relabelled = AcknowledgedWrites.annotation(99 + n, n - 1, `relabelled ${n - 1}`, 2);
        await s3.put(relabelled.key, relabelled.body);
        acknowledged.put(relabelled.key, relabelled.body, { task: n - 1, id: 99 + n, choice: `relabelled ${n - 1}` });
      }
      if (n % 3 === 0) {
        const gone = AcknowledgedWrites.annotation(98 + n, 0, '').key;
        await s3.delete(gone);
        acknowledged.delete(gone);
      }
    }

    it.each(steps.map((step, i) => [step, i + 1] as const))(
      'killed right after "%s": after a restart, one commit with every acknowledged write; dvc status -c clean',
      async (step, n) => {
        const before = commitCount(bare);
        const crashing = await startService({ dataDir, env: { ...env, DVC_SYNC_TEST_CRASH_AFTER: step } });
        const s3 = new S3Objects(crashing);
        let answer: string;
        try {
          await writeRound(s3, n);
          answer = await flush(crashing).then(
            (status) => `answered: ${JSON.stringify(status)}`,
            (error: Error) => `no answer (${error.message})`,
          );
        } finally {
          s3.close();
          await crashing.kill9(); // already dead when the hook fired; reaps it either way
        }
        expect(answer).toMatch(/^no answer/); // the process died inside the flush
        const pushed = steps.indexOf(step) >= steps.indexOf(PUSHED_FROM);
        expect(commitCount(bare)).toBe(before + (pushed ? 1 : 0));

        const service: RunningService = await startService({ dataDir, env });
        try {
          await withLogs(service, async () => {
            const status = await flush(service);
            expect({ lastError: status.lastError, pending: status.pending }).toEqual({ lastError: null, pending: 0 });
            expect(commitCount(bare)).toBe(before + 1);
            expect(status.lastCommit).toBe(branchTip(bare));
            const pulled = await gitCloneAndDvcPull(bare, configLocal);
            if (layout === 'directory') {
              const files = pulled.directory(path);
              expect(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.toString('utf8')]))).toEqual(
                acknowledged.directory(),
              );
            } else {
              expect(labelsByTask(pulled.tasks(path).tasks)).toEqual(acknowledged.tasks());
            }
            expect(await pulled.syncState()).toEqual(IN_SYNC);
          });
        } finally {
          await service.stop();
        }
      },
    );
  });
});
