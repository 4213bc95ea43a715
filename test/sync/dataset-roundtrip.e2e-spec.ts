import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { removeTempRoots, tempRoot } from '../dvc/dvc-repo.harness.js';
import { startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';
import { startMotoServer, type MotoServer } from '../support/moto-server.js';
import { startService, withLogs, type RunningService } from '../support/service.js';
import { flush } from './harness/admin-client.js';
import { labelsByTask } from './harness/label-studio-bodies.js';
import { gitCloneAndDvcPull, IN_SYNC, s3ConfigLocal, type PulledCheckout } from './harness/pulled-dataset.js';
import { S3Objects } from './harness/s3-objects.js';
import {
  directoryExpected,
  directoryRound1,
  directoryRound2,
  labelStudioExpected,
  labelStudioRound1,
  labelStudioRound2,
  UNICODE_TEXT,
} from './harness/scenarios.js';
import { createDvcRepo, dvcConfigText } from './harness/team-repo.js';

/**
 * The data scientist's workflow, judged by the real `git` and `dvc` CLIs: after writes through the S3 API and a
 * flush, `git clone` + `dvc pull` gives back the dataset, and `dvc status -c` / `dvc data status` are clean —
 * for every layout, with a local DVC remote (the embedded repository) and with an S3 remote (moto) behind a
 * team repository served over authenticated HTTP.
 */
interface Layout {
  datasetPath: string;
  round1: Record<string, string | Buffer>;
  round2: { put: Record<string, string | Buffer>; delete: string[] };
  check(pulled: PulledCheckout): void;
}

function checkTaskFile(datasetPath: string, pulled: PulledCheckout): void {
  const { tasks, text } = pulled.tasks(datasetPath);
  expect(tasks.map((task) => task.id)).toEqual([5, 7, 9]); // task 8 lost its only annotation
  expect(labelsByTask(tasks)).toEqual(labelStudioExpected);
  const [five, seven, nine] = tasks;
  expect(five.data.text).toBe(UNICODE_TEXT);
  expect(text).toContain('Café ☕'); // UTF-8 as Label Studio's export writes it, not \u escapes
  // The export shape: an annotation names its task by id; the task carries its own fields once.
  for (const task of tasks) for (const annotation of task.annotations) expect(annotation.task).toBe(task.id);
  expect([five.total_annotations, seven.total_annotations, nine.total_annotations]).toEqual([2, 2, 1]);
  expect(seven.data).toEqual({ text: 'second task' });
  expect(nine.data).toEqual({ text: 'task mode' });
}

const layouts: Array<[string, Layout]> = [
  [
    'JSON file',
    {
      datasetPath: 'data/annotations.json',
      round1: labelStudioRound1,
      round2: labelStudioRound2,
      check: (pulled) => {
        checkTaskFile('data/annotations.json', pulled);
        expect(pulled.tasks('data/annotations.json').text.startsWith('[')).toBe(true);
      },
    },
  ],
  [
    'JSONL file',
    {
      datasetPath: 'data/annotations.jsonl',
      round1: labelStudioRound1,
      round2: labelStudioRound2,
      check: (pulled) => {
        checkTaskFile('data/annotations.jsonl', pulled);
        const lines = pulled.tasks('data/annotations.jsonl').text.split('\n');
        expect(lines).toHaveLength(4); // three tasks, each line ending in \n
        expect(lines[3]).toBe('');
      },
    },
  ],
  [
    'directory',
    {
      datasetPath: 'data/annotations',
      round1: directoryRound1,
      round2: directoryRound2,
      check: (pulled) => {
        const files = pulled.directory('data/annotations');
        expect(Object.keys(files).sort()).toEqual(Object.keys(directoryExpected).sort());
        for (const [relpath, bytes] of Object.entries(directoryExpected)) {
          expect({ relpath, identical: files[relpath].equals(bytes) }).toEqual({ relpath, identical: true });
        }
      },
    },
  ],
];

interface RemoteSetup {
  env: Record<string, string>;
  /** Where a data scientist clones from. */
  repo(service: RunningService): string;
  /** `.dvc/config.local` of their checkout (the remote's keys), if the remote needs one. */
  configLocal?: string;
}

let gitServer: GitHttpServer;
let gitRoot: string;
let moto: MotoServer;
const GIT_TOKEN = 'roundtrip-token-3f9a';

beforeAll(async () => {
  gitRoot = tempRoot('sync-roundtrip-git');
  gitServer = await startGitHttpServer({ root: gitRoot, username: 'sync-bot', password: GIT_TOKEN });
  moto = await startMotoServer();
});

afterAll(async () => {
  await gitServer?.stop();
  await moto?.stop();
  removeTempRoots();
});

const remotes: Array<[string, (name: string) => RemoteSetup]> = [
  [
    'local remote (embedded repository, nothing configured)',
    () => ({ env: {}, repo: (service) => join(service.dataDir, 'repo.git') }),
  ],
  [
    'S3 remote on moto (team repository over authenticated HTTP)',
    (name) => {
      const bare = createDvcRepo(
        gitRoot,
        name,
        dvcConfigText(`s3://${moto.bucket}/${name}`, { endpointurl: moto.endpoint }),
      );
      return {
        repo: () => bare,
        env: {
          GIT_REPO_URL: gitServer.url(`${name}.git`),
          GIT_USERNAME: 'sync-bot',
          GIT_TOKEN,
          DVC_REMOTE_ACCESS_KEY_ID: moto.accessKeyId,
          DVC_REMOTE_SECRET_ACCESS_KEY: moto.secretAccessKey,
        },
        configLocal: s3ConfigLocal('storage', moto),
      };
    },
  ],
];

describe.each(remotes)('%s', (_remoteName, setUp) => {
  it.each(layouts)(
    '%s: git clone + dvc pull gives back what was written, deleted and updated; everything in sync',
    async (_layout, layout) => {
      const setup = setUp(layout.datasetPath.replace(/\W/g, '-'));
      const service = await startService({ env: { ...setup.env, DVC_DATASET_PATH: layout.datasetPath } });
      const s3 = new S3Objects(service);
      try {
        await withLogs(service, async () => {
          await s3.putAll(layout.round1);
          const first = await flush(service);
          expect({ lastError: first.lastError, pending: first.pending }).toEqual({ lastError: null, pending: 0 });
          expect(first.lastFlush?.commit).toMatch(/^[0-9a-f]{40}$/);

          await s3.putAll(layout.round2.put);
          for (const key of layout.round2.delete) await s3.delete(key);
          const second = await flush(service);
          expect({ lastError: second.lastError, pending: second.pending }).toEqual({ lastError: null, pending: 0 });
          expect(second.lastFlush).toMatchObject({ added: 1, updated: 1, deleted: 1 });
          expect(second.lastCommit).not.toBe(first.lastCommit);
          if (!layout.datasetPath.match(/\.jsonl?$/)) expect(second.rejected).toEqual([]);
          else expect(second.rejected.map((r) => r.key)).toEqual(['notes/readme.txt']);

          const pulled = await gitCloneAndDvcPull(setup.repo(service), setup.configLocal);
          layout.check(pulled);
          expect(await pulled.syncState()).toEqual(IN_SYNC);
        });
      } finally {
        s3.close();
        await service.stop();
      }
    },
  );
});
