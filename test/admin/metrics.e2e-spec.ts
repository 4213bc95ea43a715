import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { startService, withLogs, type RunningService } from '../support/service.js';
import { flush, syncStatus } from '../sync/harness/admin-client.js';
import { S3Objects } from '../sync/harness/s3-objects.js';

/**
 * GET /_admin/metrics as Prometheus scrapes it, from the built service: the S3 requests, the flush and the
 * pending changes show under their names and labels (each with the project's `bucket`); the endpoint has the
 * admin API's auth; nothing secret is in it (labels are buckets, operation names and statuses, never a key).
 */
const ADMIN_TOKEN = `admin-${randomBytes(12).toString('hex')}`;
const KEY = `tasks/metrics-${randomBytes(4).toString('hex')}.json`;
const BODY = '{"id": 1, "result": []}\n';

function scrape(service: RunningService, token?: string): Promise<Response> {
  return fetch(`${service.url}/_admin/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

/** The value of one sample line (`name{labels} value`), or undefined when the exposition has no such line. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /_admin/metrics', () => {
  let service: RunningService;
  let s3: S3Objects;
  let client: S3Client;

  beforeAll(async () => {
    service = await startService({ env: { ADMIN_TOKEN, DVC_DATASET_PATH: 'data/annotations' } });
    s3 = new S3Objects(service);
    client = new S3Client({
      endpoint: service.url,
      region: service.region,
      forcePathStyle: true,
      credentials: { accessKeyId: service.accessKeyId, secretAccessKey: service.secretAccessKey },
    });
  });

  afterAll(async () => {
    s3?.close();
    client?.destroy();
    await service?.stop();
  });

  it('answers 401 without the admin token, or with a wrong one', async () => {
    await withLogs(service, async () => {
      expect((await scrape(service)).status).toBe(401);
      expect((await scrape(service, `${ADMIN_TOKEN}x`)).status).toBe(401);
    });
  });

  it('counts S3 requests by bucket, operation and status, the PUT bytes, pending changes and the flush, with no secret in it', async () => {
    await withLogs(service, async () => {
      const b = `bucket="${service.bucket}"`;
      await s3.put(KEY, BODY);
      await expect(
        client.send(new GetObjectCommand({ Bucket: service.bucket, Key: 'tasks/missing.json' })),
      ).rejects.toMatchObject({
        name: 'NoSuchKey',
        $metadata: { httpStatusCode: 404 },
      });

      const before = await scrape(service, ADMIN_TOKEN);
      expect(before.status).toBe(200);
      expect(before.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const pendingText = await before.text();
      expect(sample(pendingText, `dvc_sync_pending_changes{${b}}`)).toBe(1);
      expect(sample(pendingText, `dvc_sync_stored_objects{${b}}`)).toBe(1);
      expect(sample(pendingText, `dvc_sync_flushes_total{${b},outcome="committed"}`)).toBe(0);

      const status = await flush(service);
      expect({ pending: status.pending, committed: status.lastFlush?.commit !== null }).toEqual({
        pending: 0,
        committed: true,
      });

      const text = await (await scrape(service, ADMIN_TOKEN)).text();
      expect({
        put: sample(text, `dvc_sync_s3_requests_total{${b},operation="PutObject",status="200"}`),
        missing: sample(text, `dvc_sync_s3_requests_total{${b},operation="GetObject",status="404"}`),
        timedPuts: sample(text, `dvc_sync_s3_request_duration_seconds_count{${b},operation="PutObject"}`),
        timedGets: sample(text, `dvc_sync_s3_request_duration_seconds_count{${b},operation="GetObject"}`),
        pending: sample(text, `dvc_sync_pending_changes{${b}}`),
        committed: sample(text, `dvc_sync_flushes_total{${b},outcome="committed"}`),
        nothingToCommit: sample(text, `dvc_sync_flushes_total{${b},outcome="nothing-to-commit"}`),
        failed: sample(text, `dvc_sync_flushes_total{${b},outcome="failed"}`),
        timedFlushes: sample(text, `dvc_sync_flush_duration_seconds_count{${b},outcome="committed"}`),
        uploaded: sample(text, `dvc_sync_dvc_uploaded_objects_total{${b}}`),
        rebases: sample(text, `dvc_sync_rebases_total{${b}}`),
        lastSync: sample(text, `dvc_sync_last_success_timestamp_seconds{${b}}`),
      }).toEqual({
        put: 1,
        missing: 1,
        timedPuts: 1,
        timedGets: 1,
        pending: 0,
        committed: 1,
        nothingToCommit: 0,
        failed: 0,
        timedFlushes: 1,
        // The flush's own account: the file object and the .dir manifest.
        uploaded: status.lastFlush!.uploadedObjects,
        rebases: 0,
        lastSync: Date.parse((await syncStatus(service)).lastSyncAt!) / 1000,
      });
      expect(status.lastFlush!.uploadedObjects).toBe(2);
      // The SDK sends a small string body as is (no aws-chunked framing): exactly the object's bytes, counted once.
      expect(sample(text, `dvc_sync_s3_put_object_received_bytes_total{${b}}`)).toBe(Buffer.byteLength(BODY));
      // The default Node process metrics, under their standard names.
      expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);

      for (const secret of [service.secretAccessKey, ADMIN_TOKEN]) expect(text).not.toContain(secret);
      expect(text).not.toContain(KEY); // labels come from a closed set: never an object key
    });
  });
});

describe('GET /_admin/metrics without ADMIN_TOKEN', () => {
  it('is open, as the rest of the admin API is', async () => {
    const service = await startService();
    try {
      await withLogs(service, async () => {
        const response = await scrape(service);
        expect(response.status).toBe(200);
        expect(sample(await response.text(), `dvc_sync_pending_changes{bucket="${service.bucket}"}`)).toBe(0);
      });
    } finally {
      await service.stop();
    }
  });
});
