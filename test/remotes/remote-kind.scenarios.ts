import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { removeTempRoots, tempRoot } from '../dvc/dvc-repo.harness.js';
import { git, startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';
import { startService, startupFailure, withLogs, type RunningService } from '../support/service.js';
import { flush } from '../sync/harness/admin-client.js';
import { labelsByTask } from '../sync/harness/label-studio-bodies.js';
import { gitCloneAndDvcPull, IN_SYNC } from '../sync/harness/pulled-dataset.js';
import { S3Objects } from '../sync/harness/s3-objects.js';
import { labelStudioExpected, labelStudioRound1, labelStudioRound2 } from '../sync/harness/scenarios.js';
import { startSwitchableForwarder } from '../sync/harness/switchable-forwarder.js';
import { branchTip, createDvcRepo, dvcConfigText } from '../sync/harness/team-repo.js';
import { Teammate } from '../sync/harness/teammate.js';

/** One DVC remote of a kind, for one team repository. */
export interface KindRemote {
  /** The remote's url in `.dvc/config`. */
  url: string;
  /** Other options the team commits in `.dvc/config` (never a credential). */
  committedOptions: Record<string, string>;
  /** `key = value` lines of a data scientist's `.dvc/config.local` for the remote (their credentials). */
  configLocal: string;
  /** The service's settings for this remote; `viaPort`: reach the server through that port instead. */
  serviceEnv(viaPort?: number): Record<string, string>;
  /** What the server holds under `files/md5/`, as `xx/rest` names, looked at without our remote code. */
  objectNames(): Promise<string[]> | string[];
  /** Credentials the service was given: never in its logs, status or commits. */
  secrets: string[];
}

export interface KindSetup {
  /** The server's port, for a forwarder that can cut the line. */
  targetPort: number;
  dvcRemote(name: string): KindRemote;
}

const GIT_TOKEN = 'remote-kinds-token-5e2b';
const OBJECT_NAME = /^[0-9a-f]{2}\/[0-9a-f]{30}(\.dir)?$/;

/**
 * The service end to end on a remote kind, judged by the real git and dvc CLIs (with the kind's DVC plugin): a
 * flush of Label Studio writes for a JSON and a directory dataset, `git clone` + `dvc pull` + `dvc status -c` in a
 * fresh clone; a teammate's `dvc push` merged; a remote lost in the middle of a push and back.
 */
export function describeRemoteKindEndToEnd(kindName: string, setUp: () => KindSetup): void {
  describe(`${kindName} remote: the service end to end`, () => {
    let gitServer: GitHttpServer;
    let gitRoot: string;
    let kind: KindSetup;

    beforeAll(async () => {
      kind = setUp();
      gitRoot = tempRoot('remote-kind-git');
      gitServer = await startGitHttpServer({ root: gitRoot, username: 'sync-bot', password: GIT_TOKEN });
    });
    afterAll(async () => {
      await gitServer?.stop();
      removeTempRoots();
    });

    /** A team repository whose default remote `storage` is a fresh remote of this kind. */
    function teamRepo(name: string) {
      const remote = kind.dvcRemote(name);
      const bare = createDvcRepo(gitRoot, name, dvcConfigText(remote.url, remote.committedOptions));
      const configLocal = `['remote "storage"']\n${remote.configLocal
        .split('\n')
        .filter(Boolean)
        .map((line) => `    ${line}\n`)
        .join('')}`;
      return { remote, bare, configLocal };
    }

    async function serviceFor(name: string, datasetPath: string, remoteEnv: Record<string, string>) {
      return startService({
        env: {
          GIT_REPO_URL: gitServer.url(`${name}.git`),
          GIT_USERNAME: 'sync-bot',
          GIT_TOKEN,
          DVC_DATASET_PATH: datasetPath,
          ...remoteEnv,
        },
      });
    }

    async function flushOk(service: RunningService) {
      const status = await flush(service);
      expect({ lastError: status.lastError, pending: status.pending }).toEqual({ lastError: null, pending: 0 });
      return status;
    }

    it('JSON dataset: two flushes, then git clone + dvc pull gives the tasks back; dvc status -c is clean', async () => {
      const { remote, bare, configLocal } = teamRepo('json');
      const service = await serviceFor('json', 'data/annotations.json', remote.serviceEnv());
      const s3 = new S3Objects(service);
      try {
        await withLogs(service, async () => {
          await s3.putAll(labelStudioRound1);
          await flushOk(service);
          await s3.putAll(labelStudioRound2.put);
          for (const key of labelStudioRound2.delete) await s3.delete(key);
          const second = await flushOk(service);
          expect(second.remote).toContain(`${remote.url.split('://')[0]}://`);
          expect(second.lastCommit).toBe(branchTip(bare));
          const visible = [service.logs(), JSON.stringify(second), git(bare, 'log', '-p', '--format=%B', 'main')];
          for (const secret of remote.secrets) expect(visible.filter((text) => text.includes(secret))).toEqual([]);

          const pulled = await gitCloneAndDvcPull(bare, configLocal);
          expect(labelsByTask(pulled.tasks('data/annotations.json').tasks)).toEqual(labelStudioExpected);
          expect(await pulled.syncState()).toEqual(IN_SYNC);
          expect((await remote.objectNames()).filter((name) => !OBJECT_NAME.test(name))).toEqual([]);
        });
      } finally {
        s3.close();
        await service.stop();
      }
    });

    it("directory dataset: a teammate's dvc add + dvc push between flushes is merged; a fresh clone pulls both", async () => {
      const { remote, bare, configLocal } = teamRepo('dir');
      const service = await serviceFor('dir', 'data/annotations', remote.serviceEnv());
      const s3 = new S3Objects(service);
      try {
        await withLogs(service, async () => {
          await s3.putAll({ 'img/1.json': '{"label": "cat"}\n', 'img/2.json': '{"label": "dog"}\n' });
          await flushOk(service);

          const teammate = await Teammate.clone(bare, { dvcPull: false });
          teammate.write('.dvc/config.local', configLocal);
          await teammate.dvc('pull');
          expect(teammate.read('data/annotations/img/1.json').toString()).toBe('{"label": "cat"}\n');
          teammate.write('data/annotations/img/2.json', '{"label": "wolf"}\n');
          teammate.write('data/annotations/team/notes.txt', 'checked by the team\n');
          await teammate.dvc('add', 'data/annotations');
          await teammate.dvc('push');
          await teammate.commitAndPush('Relabel 2, add notes');

          await s3.putAll({ 'img/3.json': '{"label": "bird"}\n' });
          const merged = await flushOk(service);
          expect(merged.lastFlush?.merged).toBe(true);

          const pulled = await gitCloneAndDvcPull(bare, configLocal);
          const files = Object.fromEntries(
            Object.entries(pulled.directory('data/annotations')).map(([path, bytes]) => [path, bytes.toString()]),
          );
          expect(files).toEqual({
            'img/1.json': '{"label": "cat"}\n',
            'img/2.json': '{"label": "wolf"}\n',
            'img/3.json': '{"label": "bird"}\n',
            'team/notes.txt': 'checked by the team\n',
          });
          expect(await pulled.syncState()).toEqual(IN_SYNC);
        });
      } finally {
        s3.close();
        await service.stop();
      }
    });

    it('an option this kind of remote does not have stops the service at startup, listing the valid ones', async () => {
      const { remote } = teamRepo('typo');
      const started = serviceFor('typo', 'data/annotations', { ...remote.serviceEnv(), DVC_REMOTE_ENDPOINT_ULR: 'x' });
      const failure = await startupFailure(started);
      expect(failure).toMatch(/exited \(1\) before it was healthy/);
      expect(failure).toMatch(
        /DVC_REMOTE_ENDPOINT_ULR: not an option of an? \w+:\/\/ remote \(remote 'storage'\)\. Valid: DVC_REMOTE_/,
      );
      for (const secret of remote.secrets) expect(failure).not.toContain(secret);
    });

    it('a remote lost in the middle of a push: nothing committed, writes stay pending, then only what is missing is uploaded', async () => {
      const cable = await startSwitchableForwarder(kind.targetPort);
      const { remote, bare, configLocal } = teamRepo('cut');
      const service = await serviceFor(
        'cut',
        'data/annotations',
        remote.serviceEnv(Number(new URL(cable.endpoint).port)),
      );
      const s3 = new S3Objects(service);
      // 30 files of 4 KiB: the line is cut after 48 KiB went out, well into the uploads.
      const files = Object.fromEntries(
        Array.from({ length: 30 }, (_, i) => [`t/${i}.json`, `{"task": ${i}, "pad": "${'x'.repeat(4096)}"}\n`]),
      );
      try {
        await withLogs(service, async () => {
          const initial = branchTip(bare);
          await s3.putAll(files);
          cable.downAfter(48 * 1024);
          const failed = await flush(service);
          expect({ pending: failed.pending, lastCommit: failed.lastCommit }).toEqual({ pending: 30, lastCommit: null });
          expect(failed.lastError).toBeTruthy();
          expect(branchTip(bare)).toBe(initial);
          // A cut connection can leave a temporary file behind (SFTP: the upload's temp name); DVC skips those names,
          // and so does the count.
          const landed = (await remote.objectNames()).filter((name) => OBJECT_NAME.test(name));
          expect(landed.filter((name) => name.endsWith('.dir'))).toEqual([]); // never a .dir before all its files
          expect(landed.length).toBeLessThan(30);

          cable.up();
          const recovered = await flushOk(service);
          expect(recovered.lastCommit).toBe(branchTip(bare));
          expect(recovered.lastFlush?.uploadedObjects).toBe(31 - landed.length); // the rest, then the .dir
          // ...and the push after the cut removes what the cut one left: the team's remote holds only objects.
          expect((await remote.objectNames()).filter((name) => !OBJECT_NAME.test(name))).toEqual([]);

          const pulled = await gitCloneAndDvcPull(bare, configLocal);
          const pulledFiles = pulled.directory('data/annotations');
          expect(Object.keys(pulledFiles).sort()).toEqual(Object.keys(files).sort());
          for (const [path, text] of Object.entries(files)) expect(pulledFiles[path].toString()).toBe(text);
          expect(await pulled.syncState()).toEqual(IN_SYNC);
        });
      } finally {
        s3.close();
        await service.stop();
        await cable.stop();
      }
    });
  });
}
