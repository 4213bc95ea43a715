import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlushedStatus, SyncStatus } from '../../src/sync/sync-status.types.js';
import { lsTree, tip } from '../git/repo-inspect.js';
import { startService, withLogs, type RunningService } from '../support/service.js';

/**
 * The admin API of one service with two projects from a real projects file (both embedded repositories): the
 * status and flush of every project or of one (`?bucket=`), health listing each project's remotes, metrics per
 * bucket, the status page with a section per project, and the final flush of every project on shutdown.
 */
const ALPHA = { accessKeyId: 'AKALPHA00000001', secretAccessKey: `alpha-${randomBytes(12).toString('hex')}` };

describe('/_admin with several projects', () => {
  let service: RunningService;
  const clients: S3Client[] = [];
  const repo = (bucket: string) => join(service.dataDir, 'projects', bucket, 'repo.git');
  const admin = async (method: 'GET' | 'POST', path: string) => {
    const response = await fetch(`${service.url}${path}`, { method });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const put = async (bucket: string, key: string, body: string) => {
    const keys =
      bucket === 'alpha' ? ALPHA : { accessKeyId: service.accessKeyId, secretAccessKey: service.secretAccessKey };
    const client = new S3Client({
      endpoint: service.url,
      region: service.region,
      forcePathStyle: true,
      credentials: keys,
    });
    clients.push(client);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  };
  const entries = (body: Record<string, unknown>) =>
    (body.projects as SyncStatus[]).map(({ bucket, pending }) => ({ bucket, pending }));

  beforeAll(async () => {
    const folder = mkdtempSync(join(tmpdir(), 'projects-admin-'));
    const file = join(folder, 'projects.yaml');
    writeFileSync(
      file,
      [
        'projects:',
        '  - bucket: alpha',
        '    s3: { accessKeyId: AKALPHA00000001, secretAccessKey: "${ALPHA_SECRET}" }',
        '    dataset: data/alpha.json',
        '  - bucket: beta',
        '    dataset: data/beta',
        '',
      ].join('\n'),
    );
    service = await startService({
      env: { PROJECTS_FILE: file, ALPHA_SECRET: ALPHA.secretAccessKey, SYNC_CONCURRENCY: '2' },
    });
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await service?.stop();
  });

  it('GET /_admin/sync lists every project; ?bucket= one; an unknown bucket is a 404 JSON error', async () => {
    await withLogs(service, async () => {
      await put('alpha', 'tasks/1', '{"id": 1, "annotations": []}');
      await put('beta', 'a.txt', 'beta a');
      const all = await admin('GET', '/_admin/sync');
      expect(all.status).toBe(200);
      expect(entries(all.body)).toEqual([
        { bucket: 'alpha', pending: 1 },
        { bucket: 'beta', pending: 1 },
      ]);
      expect((all.body.projects as SyncStatus[]).map((p) => [p.dataset, p.layout])).toEqual([
        ['data/alpha.json', 'json'],
        ['data/beta', 'directory'],
      ]);
      expect(entries((await admin('GET', '/_admin/sync?bucket=beta')).body)).toEqual([{ bucket: 'beta', pending: 1 }]);
      const unknown = await admin('POST', '/_admin/sync?bucket=nope');
      expect(unknown).toEqual({
        status: 404,
        body: expect.objectContaining({ statusCode: 404, message: "No project serves the bucket 'nope'." }),
      });
      expect(JSON.stringify(all.body)).not.toContain(ALPHA.secretAccessKey);
    });
  });

  it('POST /_admin/sync?bucket= flushes that project only; POST /_admin/sync flushes the others, each in its repository', async () => {
    await withLogs(service, async () => {
      const one = await admin('POST', '/_admin/sync?bucket=alpha');
      expect(one.status).toBe(200);
      expect(
        (one.body.projects as FlushedStatus[]).map(({ bucket, outcome, pending }) => ({ bucket, outcome, pending })),
      ).toEqual([{ bucket: 'alpha', outcome: 'flushed', pending: 0 }]);
      expect(tip(repo('alpha'), 'main')).toBeDefined();
      expect(entries((await admin('GET', '/_admin/sync')).body)).toEqual([
        { bucket: 'alpha', pending: 0 },
        { bucket: 'beta', pending: 1 },
      ]);

      const all = await admin('POST', '/_admin/sync');
      expect(
        (all.body.projects as FlushedStatus[]).map(({ bucket, outcome, pending }) => ({ bucket, outcome, pending })),
      ).toEqual([
        { bucket: 'alpha', outcome: 'flushed', pending: 0 },
        { bucket: 'beta', outcome: 'flushed', pending: 0 },
      ]);
      // Each project's dataset in its own embedded repository, and nothing of the other's.
      expect(Object.keys(lsTree(repo('alpha'), 'main'))).toEqual(expect.arrayContaining(['data/alpha.json.dvc']));
      expect(Object.keys(lsTree(repo('alpha'), 'main'))).not.toContain('data/beta.dvc');
      expect(Object.keys(lsTree(repo('beta'), 'main'))).toEqual(expect.arrayContaining(['data/beta.dvc']));
      expect(Object.keys(lsTree(repo('beta'), 'main'))).not.toContain('data/alpha.json.dvc');
      expect(existsSync(join(service.dataDir, 'repo.git'))).toBe(false);
    });
  });

  it("health lists each project's storage and remotes under one status", async () => {
    await withLogs(service, async () => {
      const health = await admin('GET', '/_admin/health');
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({
        status: 'ok',
        storage: { ok: true },
        projects: [
          {
            bucket: 'alpha',
            storage: { ok: true },
            git: { ok: true, url: repo('alpha'), branch: 'main' },
            dvcRemote: { ok: true },
          },
          {
            bucket: 'beta',
            storage: { ok: true },
            git: { ok: true, url: repo('beta'), branch: 'main' },
            dvcRemote: { ok: true },
          },
        ],
      });
    });
  });

  it('labels metrics with the bucket, and shows a section per project on the status page', async () => {
    await withLogs(service, async () => {
      const metrics = await (await fetch(`${service.url}/_admin/metrics`)).text();
      for (const bucket of ['alpha', 'beta']) {
        expect(metrics).toContain(`dvc_sync_flushes_total{bucket="${bucket}",outcome="committed"} `);
        expect(metrics).toContain(
          `dvc_sync_s3_requests_total{bucket="${bucket}",operation="PutObject",status="200"} 1\n`,
        );
      }
      const page = await (await fetch(`${service.url}/_admin/`)).text();
      expect(page).toContain('alpha');
      expect(page).toContain('beta');
      expect(page).toContain(repo('beta'));
    });
  });

  it('flushes every project once more on shutdown', async () => {
    await put('alpha', 'tasks/2', '{"id": 2, "annotations": []}');
    await put('beta', 'b.txt', 'beta b');
    const before = [tip(repo('alpha'), 'main'), tip(repo('beta'), 'main')];
    await service.stop();
    const after = [tip(repo('alpha'), 'main'), tip(repo('beta'), 'main')];
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
  });
});
