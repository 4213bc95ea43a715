import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { readTree, removeTempRoots, tempRoot } from '../dvc/dvc-repo.harness.js';
import { startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';
import { startMotoServer, type MotoServer } from '../support/moto-server.js';
import { startService, withLogs, type RunningService } from '../support/service.js';
import { flush, syncStatus, waitForStatus } from '../sync/harness/admin-client.js';
import { gitCloneAndDvcPull, IN_SYNC, s3ConfigLocal } from '../sync/harness/pulled-dataset.js';
import { S3Objects } from '../sync/harness/s3-objects.js';
import { branchTip, createDvcRepo, dvcConfigText } from '../sync/harness/team-repo.js';
import { s3ErrorBody, startFaultProxy, type FaultProxy, type FaultRule } from './harness/fault-proxy.js';

/**
 * The team's Git server and the S3 DVC remote, each behind a proxy that stalls, cuts connections or answers
 * errors. Whatever they do: every write is still acknowledged, the flush ends (timeouts) with the reason in
 * the status, nothing half-done reaches the branch, retries back off, and once the remote behaves the
 * scheduler catches up by itself (no POST). Timeouts are set low (2 s) so "slow" (30 s) is far beyond them.
 */
const GIT_TOKEN = `ghp_${randomBytes(12).toString('hex')}`;
const DATASET = 'data/annotations';
const isPost = (suffix: string) => (req: IncomingMessage) => req.method === 'POST' && !!req.url?.endsWith(suffix);
const isPut = (req: IncomingMessage) => req.method === 'PUT';
const SLOW_MS = 30_000;

let gitServer: GitHttpServer;
let moto: MotoServer;
let gitProxy: FaultProxy;
let s3Proxy: FaultProxy;
let bare: string;
let service: RunningService;
let s3: S3Objects;
const acknowledged = new Map<string, string>();

beforeAll(async () => {
  const root = tempRoot('flaky-git');
  gitServer = await startGitHttpServer({ root, username: 'sync-bot', password: GIT_TOKEN });
  moto = await startMotoServer();
  gitProxy = await startFaultProxy(Number(new URL(gitServer.url('x')).port));
  s3Proxy = await startFaultProxy(Number(new URL(moto.endpoint).port));
  bare = createDvcRepo(root, 'flaky', dvcConfigText(`s3://${moto.bucket}/flaky`, { endpointurl: s3Proxy.endpoint }));
  service = await startService({
    env: {
      GIT_REPO_URL: `${gitProxy.endpoint}/flaky.git`,
      GIT_USERNAME: 'sync-bot',
      GIT_TOKEN,
      DVC_DATASET_PATH: DATASET,
      DVC_REMOTE_ACCESS_KEY_ID: moto.accessKeyId,
      DVC_REMOTE_SECRET_ACCESS_KEY: moto.secretAccessKey,
      GIT_HTTP_TIMEOUT_SECONDS: '2',
      DVC_REMOTE_READ_TIMEOUT: '2',
      SYNC_INTERVAL_SECONDS: '1',
    },
  });
  s3 = new S3Objects(service);
});

afterAll(async () => {
  s3?.close();
  await service?.stop();
  await gitProxy?.stop();
  await s3Proxy?.stop();
  await moto?.stop();
  await gitServer?.stop();
  removeTempRoots();
});

let written = 0;
async function write(): Promise<void> {
  const key = `labels/${++written}.json`;
  const body = `{"n": ${written}}\n`;
  await s3.put(key, body); // throws unless acknowledged
  acknowledged.set(key, body);
}

const slowDown = s3ErrorBody('SlowDown', 'Please reduce your request rate.');
const internal = s3ErrorBody('InternalError', 'We encountered an internal error. Please try again.');

const failures: Array<[string, () => FaultProxy, FaultRule, RegExp]> = [
  [
    'Git server silent for 30 s (GIT_HTTP_TIMEOUT_SECONDS=2)',
    () => gitProxy,
    { fault: { kind: 'slow', ms: SLOW_MS } },
    /sent nothing for 2s.*raise GIT_HTTP_TIMEOUT_SECONDS/,
  ],
  [
    'Git server drops the connection mid-pack (fetch)',
    () => gitProxy,
    { fault: { kind: 'drop-response', bytes: 40 }, match: isPost('/git-upload-pack') },
    /git fetch|cannot reach the git server|did not answer like a git server/,
  ],
  [
    'the push is cut on its way to the Git server',
    () => gitProxy,
    { fault: { kind: 'drop-request' }, match: isPost('/git-receive-pack') },
    /git push|cannot reach the git server|did not answer like a git server/,
  ],
  [
    'Git server answers 401',
    () => gitProxy,
    { fault: { kind: 'status', status: 401, headers: { 'www-authenticate': 'Basic realm="git"' } } },
    /refused the credentials \(HTTP 401\): check GIT_USERNAME and GIT_TOKEN/,
  ],
  [
    'Git server answers 403',
    () => gitProxy,
    { fault: { kind: 'status', status: 403 } },
    /denied access \(HTTP 403\): GIT_TOKEN must grant/,
  ],
  [
    'Git server answers 500',
    () => gitProxy,
    { fault: { kind: 'status', status: 500 } },
    /HTTP 500.*server side.*retries/,
  ],
  [
    'Git server answers 503',
    () => gitProxy,
    { fault: { kind: 'status', status: 503 } },
    /HTTP 503.*server side.*retries/,
  ],
  [
    'DVC remote answers 503 SlowDown to every upload',
    () => s3Proxy,
    { fault: { kind: 'status', status: 503, body: slowDown }, match: isPut },
    /upload to s3:\/\/.*SlowDown/,
  ],
  [
    'DVC remote silent for 30 s on uploads (DVC_REMOTE_READ_TIMEOUT=2)',
    () => s3Proxy,
    { fault: { kind: 'slow', ms: SLOW_MS }, match: isPut },
    /upload to s3:\/\/.*time/i,
  ],
  [
    'uploads to the DVC remote are cut on their way',
    () => s3Proxy,
    { fault: { kind: 'drop-request' }, match: isPut },
    /upload to s3:\/\//,
  ],
];

describe('slow and failing remotes', () => {
  it.each(failures)(
    '%s: writes acknowledged during the flush, the status says why, nothing committed; it recovers by itself',
    async (_name, proxy, rule, reason) => {
      await withLogs(service, async () => {
        const tip = branchTip(bare);
        proxy().set(rule);
        await write();
        const flushing = flush(service);
        for (let i = 0; i < 3; i++) await write(); // while the flush is stuck or failing
        const failed = await flushing;
        expect(proxy().counts.faulted).toBeGreaterThan(0);
        expect(failed.lastError).toMatch(reason);
        expect(failed.lastError).not.toContain(GIT_TOKEN);
        expect(failed.consecutiveFailures).toBeGreaterThan(0);
        expect(failed.nextRetryAt).not.toBeNull(); // backing off, not hammering
        // Read again: the answer may predate the writes made while the flush ran.
        expect((await syncStatus(service)).pending).toBe(4);
        expect(branchTip(bare)).toBe(tip);

        proxy().set({ fault: { kind: 'none' } });
        const recovered = await waitForStatus(
          service,
          'the scheduler to catch up once the remote behaves',
          (s) => s.pending === 0 && s.lastError === null,
        );
        expect(recovered.lastCommit).toBe(branchTip(bare));
        expect(recovered.consecutiveFailures).toBe(0);
      });
    },
  );

  it('retries back off: 5 s after the first failure, then 10 s, 20 s', async () => {
    await withLogs(service, async () => {
      gitProxy.set({ fault: { kind: 'status', status: 503 } });
      await write();
      const delays: number[] = [];
      for (let i = 0; i < 3; i++) {
        const failed = await flush(service);
        delays.push(Date.parse(failed.nextRetryAt!) - Date.parse(failed.lastErrorAt!));
      }
      expect(delays.map((ms) => Math.round(ms / 1000))).toEqual([5, 10, 20]);
      gitProxy.set({ fault: { kind: 'none' } });
      expect((await flush(service)).lastError).toBeNull();
    });
  });

  it('DVC remote fails one upload in two (500 InternalError): the S3 client retries them, every write is committed', async () => {
    await withLogs(service, async () => {
      s3Proxy.set({ fault: { kind: 'status', status: 500, body: internal }, match: isPut, every: 2 });
      for (let i = 0; i < 12; i++) await write();
      const status = await waitForStatus(service, 'the flush', (s) => s.pending === 0 && s.lastError === null);
      expect(s3Proxy.counts.faulted).toBeGreaterThan(0);
      expect(status.lastCommit).toBe(branchTip(bare));
      s3Proxy.set({ fault: { kind: 'none' } });
    });
  });

  it('afterwards the branch holds every acknowledged write, and dvc status -c is clean in a fresh clone', async () => {
    await withLogs(service, async () => {
      expect((await syncStatus(service)).pending).toBe(0);
      const pulled = await gitCloneAndDvcPull(bare, s3ConfigLocal('storage', moto));
      const files = readTree(`${pulled.dir}/${DATASET}`);
      expect(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, v.toString('utf8')]))).toEqual(
        Object.fromEntries(acknowledged),
      );
      expect(await pulled.syncState()).toEqual(IN_SYNC);
    });
  });
});
