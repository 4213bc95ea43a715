import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempRoots, tempRoot } from '../dvc/dvc-repo.harness.js';
import { gitCli } from '../support/dvc-cli.js';
import { startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';
import { startService, withLogs, type RunningService } from '../support/service.js';
import { flush } from '../sync/harness/admin-client.js';
import { gitCloneAndDvcPull, IN_SYNC } from '../sync/harness/pulled-dataset.js';
import { S3Objects } from '../sync/harness/s3-objects.js';
import { branchTip, commitsBetween, createTeamRepo, isAncestor } from '../sync/harness/team-repo.js';
import { Teammate } from '../sync/harness/teammate.js';
import { AcknowledgedWrites } from './harness/acknowledged-writes.js';

/**
 * Label-Studio-like load (PUTs of annotations, some relabelled, some deleted) while the service flushes every
 * 10 s and two teammates push to the same branch with the real git and dvc CLIs: one edits code, the other the
 * very dataset (`dvc pull`, edit, `dvc add`, `dvc push`, commit, push; on a rejected push they start over from
 * the new tip, as a careful person does). Afterwards every commit of theirs is on the branch with ours, and the
 * dataset holds every acknowledged write merged with their edits.
 */
const TOKEN = 'team-token-load-5e2a';
const DATASET = 'data/annotations';
const SEED = { 'seed/readme.txt': 'from the team\n' };

let gitRoot: string;
let gitServer: GitHttpServer;
beforeAll(async () => {
  gitRoot = tempRoot('load-team-git');
  gitServer = await startGitHttpServer({ root: gitRoot, username: 'sync-bot', password: TOKEN });
});
afterAll(async () => {
  await gitServer?.stop();
  removeTempRoots();
});

/** Commits `edit` on the newest tip and pushes; when someone pushed first, starts over from their tip. */
async function commitOnTip(teammate: Teammate, edit: () => Promise<void>, message: string): Promise<string> {
  for (let attempt = 1; attempt <= 20; attempt++) {
    await gitCli(teammate.dir, 'fetch', '--quiet', 'origin', 'main');
    await gitCli(teammate.dir, 'reset', '--quiet', '--hard', 'origin/main');
    await edit();
    const commit = await teammate.commit(message);
    try {
      await teammate.push();
      return commit;
    } catch (error) {
      if (!/rejected|fetch first|non-fast-forward/.test((error as Error).message)) throw error;
    }
  }
  throw new Error(`${message}: the branch kept moving for 20 attempts`);
}

describe('teammates pushing while Label Studio writes and the service flushes', () => {
  it('all their commits and ours are on the branch; the dataset holds every acknowledged write and their edits', async () => {
    const dvcRemote = join(tempRoot('load-team-dvc'), 'store');
    const { bare, teammate: dataScientist } = await createTeamRepo(gitRoot, 'busy', dvcRemote, SEED);
    const developer = await Teammate.clone(bare, { dvcPull: false });
    const start = branchTip(bare);
    const service: RunningService = await startService({
      env: {
        GIT_REPO_URL: gitServer.url('busy.git'),
        GIT_USERNAME: 'sync-bot',
        GIT_TOKEN: TOKEN,
        DVC_DATASET_PATH: DATASET,
        // Every few seconds, yet longer than one `dvc pull` + `dvc add` + `dvc push` + `git push` round of the
        // data scientist (3-4 s on a busy 2-core machine): at 2 s or 6 s under non-stop writes their push lost
        // 20 races in a row (docs/reliability.md).
        SYNC_INTERVAL_SECONDS: '10',
      },
    });
    const acknowledged = new AcknowledgedWrites();
    const clients = [new S3Objects(service), new S3Objects(service)];
    try {
      await withLogs(service, async () => {
        let loading = true;
        let n = 0;
        const labelStudio = async (s3: S3Objects) => {
          while (loading) {
            const id = ++n;
            const { key, body } = AcknowledgedWrites.annotation(id, Math.ceil(id / 3), `label ${id}`);
            await s3.put(key, body);
            acknowledged.put(key, body);
            if (id % 5 === 0) {
              const relabelled = AcknowledgedWrites.annotation(id - 2, Math.ceil((id - 2) / 3), `relabelled`, 2);
              await s3.put(relabelled.key, relabelled.body);
              acknowledged.put(relabelled.key, relabelled.body);
            }
            if (id % 7 === 0) {
              const gone = AcknowledgedWrites.annotation(id - 4, 0, '').key;
              await s3.delete(gone);
              acknowledged.delete(gone);
            }
            await new Promise((resolve) => setTimeout(resolve, 40));
          }
        };
        const theirs: string[] = [];
        const teamEdits: Record<string, string> = { ...SEED };
        const oursOnBranch = () =>
          commitsBetween(bare, start, branchTip(bare)).filter((c) => c.author === 'DVC Sync S3 API').length;
        let steps = 0;
        // Four steps at least, and on until one of our flushes is on the branch, so that their pushes and ours
        // interleave however fast the machine runs the teammates' rounds (a flush every SYNC_INTERVAL_SECONDS).
        const developerWork = async () => {
          for (let i = 1; i <= 4 || (oursOnBranch() === 0 && i <= 20); i++) {
            steps = i;
            theirs.push(
              await commitOnTip(
                developer,
                () => Promise.resolve(developer.write(`src/step${i}.py`, `print(${i})\n`)),
                `Add step ${i}`,
              ),
            );
            await new Promise((resolve) => setTimeout(resolve, 1500));
          }
        };
        const dataScientistWork = async () => {
          for (let i = 1; i <= 3; i++) {
            const relpath = `curated/${i}.json`;
            const content = `{"curated": ${i}}\n`;
            theirs.push(
              await commitOnTip(
                dataScientist,
                async () => {
                  rmSync(join(dataScientist.dir, DATASET), { recursive: true, force: true });
                  await dataScientist.dvc('pull'); // the dataset as the tip has it: ours included
                  dataScientist.write(join(DATASET, relpath), content);
                  await dataScientist.dvc('add', DATASET);
                  await dataScientist.dvc('push');
                },
                `Curate ${relpath}`,
              ),
            );
            teamEdits[relpath] = content;
          }
        };
        const load = clients.map(labelStudio);
        try {
          await Promise.all([developerWork(), dataScientistWork()]);
        } finally {
          loading = false;
          await Promise.allSettled(load);
        }
        await Promise.all(load); // a refused write fails the test

        const status = await flush(service);
        expect({ lastError: status.lastError, pending: status.pending }).toEqual({ lastError: null, pending: 0 });
        const tip = branchTip(bare);
        expect(status.lastCommit).toBe(tip);
        for (const commit of theirs) expect(isAncestor(bare, commit, tip)).toBe(true);
        const ours = commitsBetween(bare, start, tip).filter((c) => c.author === 'DVC Sync S3 API');
        expect(ours.length).toBeGreaterThan(1); // several flushes ran during the load

        const pulled = await gitCloneAndDvcPull(bare);
        const files = pulled.directory(DATASET);
        expect(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.toString('utf8')]))).toEqual({
          ...teamEdits,
          ...acknowledged.directory(),
        });
        for (let i = 1; i <= steps; i++)
          expect((await gitCli(pulled.dir, 'show', `HEAD:src/step${i}.py`)).stdout).toBe(`print(${i})\n`);
        expect(await pulled.syncState()).toEqual(IN_SYNC);
      });
    } finally {
      for (const client of clients) client.close();
      await service.stop();
    }
  });
});
