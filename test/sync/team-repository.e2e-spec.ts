import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { removeTempRoots, tempRoot } from '../dvc/dvc-repo.harness.js';
import { pushCommit, startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';
import { startService, withLogs, type RunningService } from '../support/service.js';
import { flush } from './harness/admin-client.js';
import { startGitPushInterceptor, type GitPushInterceptor } from './harness/git-push-interceptor.js';
import { annotationBody, labelsByTask, parseDatasetFile } from './harness/label-studio-bodies.js';
import { gitCloneAndDvcPull, IN_SYNC } from './harness/pulled-dataset.js';
import { S3Objects } from './harness/s3-objects.js';
import { branchTip, commitsBetween, createTeamRepo, filesAt, isAncestor } from './harness/team-repo.js';

/**
 * The team's real repository over authenticated HTTP (git's own http-backend), with history, code and another
 * DVC dataset; teammates working with the real git and dvc CLIs between our flushes and during one. Nothing of
 * theirs may be lost: every file and commit stays, their dataset edits merge with ours (ours wins only where
 * both changed the same item), and deletes through S3 disappear.
 */
const SYNC_AUTHOR = 'DVC Sync S3 API';
const TOKEN = 'team-token-8c1d';

let gitRoot: string;
let gitServer: GitHttpServer;
let interceptor: GitPushInterceptor;

beforeAll(async () => {
  gitRoot = tempRoot('sync-team-git');
  gitServer = await startGitHttpServer({ root: gitRoot, username: 'sync-bot', password: TOKEN });
  interceptor = await startGitPushInterceptor((name) => gitServer.url(name));
});

afterAll(async () => {
  await interceptor?.stop();
  await gitServer?.stop();
  removeTempRoots();
});

function serviceFor(repoName: string, datasetPath: string): Promise<RunningService> {
  return startService({
    env: {
      GIT_REPO_URL: interceptor.url(`${repoName}.git`),
      GIT_USERNAME: 'sync-bot',
      GIT_TOKEN: TOKEN,
      DVC_DATASET_PATH: datasetPath,
    },
  });
}

/** Flushes and insists it worked (the status says why when it did not). */
async function flushOk(service: RunningService) {
  const status = await flush(service);
  expect({ lastError: status.lastError, pending: status.pending }).toEqual({ lastError: null, pending: 0 });
  return status;
}

const label = (name: string, version: string) => `{"label": "${name}", "version": "${version}"}\n`;
/** A default Label Studio body: annotation `id` of task `task`, whose one choice is `choice`. */
const ann = (id: number, task: number, choice: string, updatedAt: string) =>
  annotationBody({ id, task, text: `task ${task}`, choice, updatedAt });
const text = (files: Record<string, Buffer>) =>
  Object.fromEntries(Object.entries(files).map(([path, bytes]) => [path, bytes.toString()]));

describe('directory dataset on a busy team branch', () => {
  it('six flushes among teammate commits (other files, the same dataset with dvc, one during our push): nothing of theirs is lost', async () => {
    const dvcRemote = join(tempRoot('sync-team-dvc'), 'store');
    const { bare, teammate } = await createTeamRepo(gitRoot, 'team-dir', dvcRemote, {
      'seed/readme.txt': 'from the team\n',
    });
    const datasetFiles = ['data/annotations.dvc', 'data/.gitignore'];
    const start = branchTip(bare);
    const otherFilesAtStart = filesAt(bare, start, datasetFiles);
    const service = await serviceFor('team-dir', 'data/annotations');
    const s3 = new S3Objects(service);
    try {
      await withLogs(service, async () => {
        // 1, 2: our writes only.
        await s3.putAll({
          'labels/1.json': label('one', 'ours 1'),
          'labels/2.json': label('two', 'ours 1'),
          'labels/3.json': label('three', 'ours 1'),
        });
        await flushOk(service);
        await s3.putAll({ 'labels/4.json': label('four', 'ours 1'), 'labels/1.json': label('one', 'ours 2') });
        await flushOk(service);

        // A teammate changes code and docs (not the dataset); then we delete a file through S3.
        const theirCode = pushCommit(
          bare,
          'main',
          { 'README.md': '# Team project, now with docs\n', 'docs/guide.md': 'How we label\n' },
          'Write the guide',
        );
        await s3.delete('labels/2.json');
        await flushOk(service);

        // A teammate edits the same dataset with dvc: one of our files, one we change too, and a new one of theirs.
        await teammate.update();
        expect(teammate.read('data/annotations/labels/1.json').toString()).toBe(label('one', 'ours 2'));
        teammate.write('data/annotations/labels/3.json', label('three', 'teammate fix'));
        teammate.write('data/annotations/labels/4.json', label('four', 'teammate'));
        teammate.write('data/annotations/team/extra.txt', 'added by the teammate\n');
        await teammate.dvc('add', 'data/annotations');
        await teammate.dvc('push');
        const theirDataset = await teammate.commitAndPush('Fix label 3, add extra');
        // A deploy in between: the merge base must come from the service's durable state, not its memory.
        await service.restart();
        await s3.putAll({ 'labels/4.json': label('four', 'ours 2'), 'labels/5.json': label('five', 'ours 1') });
        const merged = await flushOk(service);
        expect(merged.lastFlush).toMatchObject({ merged: true, rebases: 0 });

        // A teammate's push lands between our fetch and our push.
        let theirMidFlush = '';
        const hooked = interceptor.interceptNextPush({
          before: async () => {
            await teammate.update();
            teammate.write('docs/changelog.md', 'Pushed while the sync was pushing\n');
            theirMidFlush = await teammate.commitAndPush('Changelog');
          },
        });
        await s3.put('labels/6.json', label('six', 'ours 1'));
        const rebased = await flushOk(service);
        expect(interceptor.armed).toBe(false);
        await hooked;
        expect(rebased.lastFlush!.rebases).toBeGreaterThanOrEqual(1);
        expect(rebased.lastFlush!.commit).toBe(branchTip(bare));

        await s3.delete('labels/1.json');
        const last = await flushOk(service);
        const tip = branchTip(bare);
        expect(last.lastCommit).toBe(tip);

        // History: linear, every commit of theirs kept, ours touching only the dataset's .dvc and .gitignore.
        for (const theirs of [start, theirCode, theirDataset, theirMidFlush])
          expect({ theirs, kept: isAncestor(bare, theirs, tip) }).toEqual({ theirs, kept: true });
        const history = commitsBetween(bare, start, tip);
        expect(history.map((c) => (c.author === SYNC_AUTHOR ? 'sync' : c.commit))).toEqual([
          'sync',
          'sync',
          theirCode,
          'sync',
          theirDataset,
          'sync',
          theirMidFlush,
          'sync',
          'sync',
        ]);
        history.forEach((c, i) => expect(c.parents).toEqual([i === 0 ? start : history[i - 1].commit]));
        for (const ours of history.filter((c) => c.author === SYNC_AUTHOR))
          expect(datasetFiles).toEqual(expect.arrayContaining(ours.paths));

        // Every other file is exactly as the teammates last left it.
        expect(filesAt(bare, tip, datasetFiles)).toEqual(filesAt(bare, theirMidFlush, datasetFiles));
        const otherFilesNow = filesAt(bare, tip, datasetFiles);
        const { 'README.md': _readme, ...untouchedByTeam } = otherFilesAtStart;
        expect(otherFilesNow).toMatchObject(untouchedByTeam);
        expect(Object.keys(otherFilesNow).sort()).toEqual(
          [...Object.keys(otherFilesAtStart), 'docs/guide.md', 'docs/changelog.md'].sort(),
        );

        // The data scientist's view.
        const pulled = await gitCloneAndDvcPull(bare);
        expect(text(pulled.directory('data/annotations'))).toEqual({
          'seed/readme.txt': 'from the team\n',
          'labels/3.json': label('three', 'teammate fix'),
          'labels/4.json': label('four', 'ours 2'), // both changed it: ours wins
          'labels/5.json': label('five', 'ours 1'),
          'labels/6.json': label('six', 'ours 1'),
          'team/extra.txt': 'added by the teammate\n',
        });
        expect(await pulled.syncState()).toEqual(IN_SYNC);
      });
    } finally {
      s3.close();
      await service.stop();
    }
  });
});

describe.each([
  ['JSON', 'data/labels.json'],
  ['JSONL', 'data/labels.jsonl'],
])('%s dataset, teammate edits it with dvc and pushes while we push', (format, datasetPath) => {
  it('we rebase onto their commit and merge per task: their tasks and edits stay, ours win where both changed a task', async () => {
    const repoName = `team-${format.toLowerCase()}`;
    const dvcRemote = join(tempRoot('sync-team-json-dvc'), 'store');
    const { bare, teammate } = await createTeamRepo(gitRoot, repoName, dvcRemote, {
      'seed/readme.txt': "the team's other dataset\n",
    });
    const service = await serviceFor(repoName, datasetPath);
    const s3 = new S3Objects(service);
    try {
      await withLogs(service, async () => {
        await s3.putAll({
          'exports//101': ann(101, 1, 'A', '2024-06-01T10:00:00Z'),
          'exports//201': ann(201, 2, 'A', '2024-06-01T10:00:00Z'),
          'exports//301': ann(301, 3, 'A', '2024-06-01T10:00:00Z'),
        });
        await flushOk(service);

        // The teammate's edit, committed but not pushed yet.
        await teammate.update();
        const tasks = parseDatasetFile(teammate.read(datasetPath), format === 'JSON' ? 'json' : 'jsonl');
        expect(tasks.map((t) => t.id)).toEqual([1, 2, 3]);
        tasks[0].annotations[0].result[0].value.choices = ['T']; // we change task 1 as well: ours must win
        tasks[1].meta = { reviewed_by: 'teammate' };
        tasks.push({
          id: 100,
          data: { text: 'added by the teammate' },
          annotations: [{ id: 1001, task: 100, result: [{ value: { choices: ['T'] } }] }],
        });
        // Written the way a script would (pretty JSON, or one task per line): only the content matters.
        teammate.write(
          datasetPath,
          format === 'JSON' ? JSON.stringify(tasks, null, 2) : tasks.map((t) => JSON.stringify(t)).join('\n'),
        );
        await teammate.dvc('add', datasetPath);
        await teammate.dvc('push');
        const theirs = await teammate.commit('Review task 2, add task 100');

        await s3.put('exports//101', ann(101, 1, 'B', '2024-06-02T10:00:00Z'));
        await s3.delete('exports//301');
        await s3.put('exports//401', ann(401, 4, 'B', '2024-06-02T10:00:00Z'));
        const hooked = interceptor.interceptNextPush({ before: () => teammate.push() });
        const status = await flushOk(service);
        expect(interceptor.armed).toBe(false);
        await hooked;
        expect(status.lastFlush!.rebases).toBeGreaterThanOrEqual(1);
        expect(status.lastFlush!.merged).toBe(true);

        const tip = branchTip(bare);
        expect(commitsBetween(bare, theirs, tip).map((c) => [c.author, c.parents])).toEqual([[SYNC_AUTHOR, [theirs]]]);

        const pulled = await gitCloneAndDvcPull(bare);
        const dataset = pulled.tasks(datasetPath).tasks;
        expect(labelsByTask(dataset)).toEqual({
          1: [[101, 'B']],
          2: [[201, 'A']],
          4: [[401, 'B']],
          100: [[1001, 'T']],
        });
        expect(dataset.find((t) => t.id === 2)?.meta).toEqual({ reviewed_by: 'teammate' });
        expect(dataset.find((t) => t.id === 100)?.data).toEqual({ text: 'added by the teammate' });
        // The team's other DVC dataset is untouched and still pulls.
        expect(pulled.directory('data/annotations')).toEqual({
          'seed/readme.txt': Buffer.from("the team's other dataset\n"),
        });
        expect(await pulled.syncState()).toEqual(IN_SYNC);

        // After the merge, deleting an annotation written before it (its key untouched since) still removes it.
        await s3.delete('exports//201');
        const afterDelete = await flushOk(service);
        expect(afterDelete.lastFlush).toMatchObject({ deleted: 1, merged: false });
        await teammate.update();
        expect(
          labelsByTask(parseDatasetFile(teammate.read(datasetPath), format === 'JSON' ? 'json' : 'jsonl')),
        ).toEqual({ 1: [[101, 'B']], 4: [[401, 'B']], 100: [[1001, 'T']] });
      });
    } finally {
      s3.close();
      await service.stop();
    }
  });
});

describe('kill -9 after our push landed, before the service heard the answer', () => {
  it('the restarted service finishes the job: no lost change, no second commit of the same dataset, later deletes still work', async () => {
    const dvcRemote = join(tempRoot('sync-team-crash-dvc'), 'store');
    const { bare } = await createTeamRepo(gitRoot, 'team-crash', dvcRemote, { 'seed/readme.txt': 'seed\n' });
    const datasetPath = 'data/labels.json';
    const service = await serviceFor('team-crash', datasetPath);
    const s3 = new S3Objects(service);
    try {
      await withLogs(service, async () => {
        const day1 = '2024-08-01T10:00:00Z';
        const day2 = '2024-08-02T10:00:00Z';
        await s3.putAll({
          'exports//11': ann(11, 1, 'a', day1),
          'exports//21': ann(21, 2, 'a', day1),
          'exports//31': ann(31, 3, 'a', day1),
        });
        await flushOk(service);

        await s3.put('exports//11', ann(11, 1, 'b', day2));
        await s3.delete('exports//21');
        await s3.put('exports//41', ann(41, 4, 'b', day2));
        const beforeCrash = branchTip(bare);
        const crashed = interceptor.interceptNextPush({ after: () => service.kill9() });
        const answer = await flush(service).then(
          () => 'answered',
          () => 'connection lost',
        );
        await crashed;
        expect(answer).toBe('connection lost');
        const pushedBeforeCrash = branchTip(bare);
        expect(pushedBeforeCrash).not.toBe(beforeCrash); // the push did land

        await service.restart();
        const resumed = await flushOk(service);
        expect(resumed.lastCommit).toBe(pushedBeforeCrash); // the landed commit is recognised, not redone
        expect(branchTip(bare)).toBe(pushedBeforeCrash);

        await s3.delete('exports//31'); // written before the crash, untouched since
        await flushOk(service);
        const pulled = await gitCloneAndDvcPull(bare);
        expect(labelsByTask(pulled.tasks(datasetPath).tasks)).toEqual({ 1: [[11, 'b']], 4: [[41, 'b']] });
        expect(await pulled.syncState()).toEqual(IN_SYNC);
      });
    } finally {
      s3.close();
      await service.stop();
    }
  });
});

describe('S3 writes while a flush is pushing', () => {
  it('are acknowledged without waiting for the flush, stay pending, and reach the next commit', async () => {
    const dvcRemote = join(tempRoot('sync-team-busy-dvc'), 'store');
    const { bare } = await createTeamRepo(gitRoot, 'team-busy', dvcRemote, { 'seed/readme.txt': 'seed\n' });
    const service = await serviceFor('team-busy', 'data/annotations');
    const s3 = new S3Objects(service);
    try {
      await withLogs(service, async () => {
        await s3.putAll({ 'a.json': label('a', '1'), 'b.json': label('b', '1') });
        // The flush is held at its git push until these writes are acknowledged: they cannot wait for it.
        const held = interceptor.interceptNextPush({
          before: async () => {
            await s3.put('a.json', label('a', '2'));
            await s3.delete('b.json');
            await s3.put('c.json', label('c', '1'));
          },
        });
        const first = await flush(service);
        await held;
        expect({ pending: first.pending, lastError: first.lastError, commit: first.lastFlush?.commit }).toEqual({
          pending: 3,
          lastError: null,
          commit: branchTip(bare),
        });
        const atFirst = await gitCloneAndDvcPull(bare);
        expect(text(atFirst.directory('data/annotations'))).toEqual({
          'seed/readme.txt': 'seed\n',
          'a.json': label('a', '1'),
          'b.json': label('b', '1'),
        });

        await flushOk(service);
        const atSecond = await gitCloneAndDvcPull(bare);
        expect(text(atSecond.directory('data/annotations'))).toEqual({
          'seed/readme.txt': 'seed\n',
          'a.json': label('a', '2'),
          'c.json': label('c', '1'),
        });
        expect(await atSecond.syncState()).toEqual(IN_SYNC);
      });
    } finally {
      s3.close();
      await service.stop();
    }
  });
});
