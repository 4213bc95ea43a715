import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { removeTempRoots, tempRoot } from '../dvc/dvc-repo.harness.js';
import { git, startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';
import { startMotoServer, type MotoServer } from '../support/moto-server.js';
import { startService, startupFailure, withLogs } from '../support/service.js';
import { flush, healthText, syncStatus } from './harness/admin-client.js';
import { gitCloneAndDvcPull, IN_SYNC, s3ConfigLocal } from './harness/pulled-dataset.js';
import { S3Objects } from './harness/s3-objects.js';
import { startSwitchableForwarder, type SwitchableForwarder } from './harness/switchable-forwarder.js';
import { branchTip, createDvcRepo, dvcConfigText } from './harness/team-repo.js';

/**
 * When the DVC remote fails, nothing is lost and nothing half-done is committed; what the status and logs say
 * never holds a secret; a repository whose DVC settings cannot work stops the service at startup.
 */
const GIT_TOKEN = `ghp_${randomBytes(12).toString('hex')}`;
const DVC_SECRET = `dvc/${randomBytes(15).toString('base64')}`;
const ADMIN_TOKEN = `admin-${randomBytes(12).toString('hex')}`;

let gitRoot: string;
let gitServer: GitHttpServer;
let moto: MotoServer;
let cable: SwitchableForwarder;

beforeAll(async () => {
  gitRoot = tempRoot('sync-failures-git');
  gitServer = await startGitHttpServer({ root: gitRoot, username: 'sync-bot', password: GIT_TOKEN });
  moto = await startMotoServer();
  cable = await startSwitchableForwarder(Number(new URL(moto.endpoint).port));
});

afterAll(async () => {
  await cable?.stop();
  await moto?.stop();
  await gitServer?.stop();
  removeTempRoots();
});

const gitEnv = (repo: string) => ({ GIT_REPO_URL: gitServer.url(`${repo}.git`), GIT_USERNAME: 'sync-bot', GIT_TOKEN });

describe('a failing DVC remote', () => {
  it('keeps every write pending with the reason in the status, commits nothing, and commits all once the remote is back; no secret anywhere', async () => {
    const bare = createDvcRepo(
      gitRoot,
      'unreliable',
      dvcConfigText(`s3://${moto.bucket}/unreliable`, { endpointurl: cable.endpoint }),
    );
    const initial = branchTip(bare);
    const service = await startService({
      env: {
        ...gitEnv('unreliable'),
        DVC_DATASET_PATH: 'data/annotations',
        DVC_REMOTE_ACCESS_KEY_ID: 'AKIDDVCREMOTE',
        DVC_REMOTE_SECRET_ACCESS_KEY: DVC_SECRET,
        ADMIN_TOKEN,
        LOG_LEVEL: 'verbose',
      },
    });
    const s3 = new S3Objects(service);
    const secrets = {
      GIT_TOKEN,
      DVC_REMOTE_SECRET_ACCESS_KEY: DVC_SECRET,
      S3_SECRET_ACCESS_KEY: service.secretAccessKey,
      ADMIN_TOKEN,
    };
    const files = { 'a.json': '{"a": 1}\n', 'dir/b.json': '{"b": 2}\n', 'c d.txt': 'c\n' };
    try {
      await withLogs(service, async () => {
        await s3.putAll(files);
        cable.down();
        const failed = await flush(service);
        expect({ pending: failed.pending, lastCommit: failed.lastCommit }).toEqual({ pending: 3, lastCommit: null });
        expect(failed.lastError).toContain(`s3://${moto.bucket}/unreliable`);
        expect(branchTip(bare)).toBe(initial); // no commit may name objects the remote does not have
        const failedStatus = JSON.stringify(failed);
        const failedHealth = await healthText(service);

        cable.up();
        const recovered = await flush(service);
        expect({
          pending: recovered.pending,
          lastError: recovered.lastError,
          lastCommit: recovered.lastCommit,
        }).toEqual({
          pending: 0,
          lastError: null,
          lastCommit: branchTip(bare),
        });
        const pulled = await gitCloneAndDvcPull(bare, s3ConfigLocal('storage', moto));
        expect(
          Object.fromEntries(
            Object.entries(pulled.directory('data/annotations')).map(([path, bytes]) => [path, bytes.toString()]),
          ),
        ).toEqual(files);
        expect(await pulled.syncState()).toEqual(IN_SYNC);

        const visible = {
          logs: service.logs(),
          'status while failing': failedStatus,
          'health while failing': failedHealth,
          status: JSON.stringify(await syncStatus(service)),
          health: await healthText(service),
          'commit messages': git(bare, 'log', '--format=%B', 'main'),
        };
        const leaks = Object.entries(visible).flatMap(([where, text]) =>
          Object.entries(secrets)
            .filter(([, secret]) => text.includes(secret))
            .map(([name]) => `${name} in ${where}`),
        );
        expect(leaks).toEqual([]);
      });
    } finally {
      s3.close();
      await service.stop();
    }
  });
});

describe('a repository whose DVC settings this service cannot honour', () => {
  const refusals: Array<[string, string, RegExp]> = [
    ['a webdav:// remote', dvcConfigText('webdav://nas.example/dvcstore'), /remote 'storage' uses webdav:\/\//],
    [
      'version_aware = true',
      dvcConfigText('s3://team-bucket/dvcstore', { version_aware: 'true' }),
      /version_aware = true/,
    ],
  ];
  it.each(refusals)('%s: the service exits at startup, naming the setting', async (name, dvcConfig, reason) => {
    const repo = name.replace(/\W+/g, '-');
    createDvcRepo(gitRoot, repo, dvcConfig);
    const started = startService({ env: { ...gitEnv(repo), DVC_DATASET_PATH: 'data/annotations' } });
    const failure = await startupFailure(started);
    expect(failure).toMatch(/exited \(1\) before it was healthy/);
    expect(failure).toMatch(reason);
    expect(failure).not.toContain(GIT_TOKEN);
  });
});
