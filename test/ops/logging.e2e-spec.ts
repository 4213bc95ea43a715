import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boto3, okResponse } from '../s3/clients/boto3.js';
import { runCommand } from '../support/run-command.js';
import { startService, withLogs, type RunningService } from '../support/service.js';
import { repoRoot } from '../support/tools.js';

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

interface LogLine {
  time: string;
  level: string;
  context?: string;
  message: string;
  [field: string]: unknown;
}

function jsonLines(output: string): LogLine[] {
  return output
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`not a JSON log line: ${line}`);
      }
    });
}

async function adminSync(service: RunningService, token: string) {
  const response = await fetch(`${service.url}/_admin/sync`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  const { projects } = (await response.json()) as { projects: Array<{ lastCommit: string }> };
  expect(projects).toHaveLength(1);
  return projects[0];
}

/** The service as `node dist/main.js` with only `env` as its settings, run to its end (a startup that fails). */
function runMain(env: Record<string, string>) {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(PORT|HOST|LOG_\w+|DATA_DIR|S3_\w+|GIT_\w+|DVC_\w+|SYNC_\w+)$/.test(name),
    ),
  );
  return runCommand(process.execPath, [join(repoRoot, 'dist', 'main.js')], {
    cwd: tmpdir(),
    env: { ...inherited, ...env },
  });
}

describe('logs of the running service (dist/main.js)', () => {
  it('JSON lines with ISO times: one access line per S3 request, the commit, start and stop — and no secret', async () => {
    const adminToken = randomBytes(24).toString('hex');
    const service = await startService({ env: { LOG_LEVEL: 'info', ADMIN_TOKEN: adminToken } });
    const body = Buffer.from(JSON.stringify({ id: 1, task: { id: 1, data: { text: 'hello' } }, result: [] }));
    let stopped = false;
    await withLogs(service, async () => {
      const results = await boto3(service, [
        { call: 'put_object', params: { Bucket: service.bucket, Key: 'exports/1', Body: body } },
        { call: 'get_object', params: { Bucket: service.bucket, Key: 'exports/1' } },
        { presign: 'get_object', params: { Bucket: service.bucket, Key: 'exports/1' }, expiresIn: 300 },
        { call: 'delete_object', params: { Bucket: service.bucket, Key: 'exports/2' } },
        {
          call: 'put_object',
          params: { Bucket: service.bucket, Key: 'exports/3', Body: body },
          client: { secretAccessKey: 'wrong-secret-value-123' },
        },
      ]);
      const presignedUrl = okResponse<{ url: string }>(results[2]).url;
      const [viaUrl] = await boto3(service, [{ http: { url: presignedUrl } }]);
      expect(okResponse<{ status: number }>(viaUrl).status).toBe(200);
      const requestIds = [results[0], results[1], results[3]].map(
        (result) => okResponse(result).ResponseMetadata.RequestId,
      );
      expect(results[4].error?.code).toBe('SignatureDoesNotMatch');
      const { lastCommit } = await adminSync(service, adminToken);
      await service.stop();
      stopped = true;

      const lines = jsonLines(service.logs());
      for (const line of lines) {
        expect(line.time).toMatch(ISO_UTC);
        expect(['fatal', 'error', 'warn', 'info', 'debug', 'verbose']).toContain(line.level);
      }
      const access = lines.filter((line) => line.context === 'S3');
      expect(access.map((line) => [line.operation, line.status, line.errorCode])).toEqual([
        ['PutObject', 200, undefined],
        ['GetObject', 200, undefined],
        ['DeleteObject', 204, undefined],
        ['PutObject', 403, 'SignatureDoesNotMatch'],
        ['GetObject', 200, undefined],
      ]);
      expect(access.slice(0, 3).map((line) => line.requestId)).toEqual(requestIds);
      for (const line of access) {
        expect(line).toMatchObject({ level: 'info', bucket: service.bucket, client: '127.0.0.1' });
        expect(typeof line.durationMs).toBe('number');
      }
      expect(access.map((line) => line.key)).toEqual(['exports/1', 'exports/1', 'exports/2', 'exports/3', 'exports/1']);
      expect(access[0].bytesIn).toBeGreaterThanOrEqual(body.length);
      expect(access[1].bytesOut).toBe(body.length);

      const commit = lines.find((line) => line.context === 'Flush' && line.message.startsWith('committed'));
      expect(commit?.message).toContain(lastCommit.slice(0, 10));
      expect(commit?.message).toMatch(/1 added, 0 updated, 0 deleted/);

      const lifecycle = lines.filter((line) => line.context === 'Lifecycle').map((line) => line.message);
      expect(lifecycle).toEqual([expect.stringMatching(/^SIGTERM received: stopping/), 'stopped (exit code 0)']);
      expect(lines[lines.length - 1].message).toBe('stopped (exit code 0)');

      const output = service.logs();
      const signature = new URL(presignedUrl).searchParams.get('X-Amz-Signature')!;
      for (const secret of [service.secretAccessKey, adminToken, signature, 'wrong-secret-value-123']) {
        expect(output).not.toContain(secret);
      }
      expect(output).not.toMatch(/X-Amz-Signature|X-Amz-Credential|Authorization/i);
    }).finally(() => (stopped ? undefined : service.stop()));
  });

  it('a quiet stop (nothing pending) still says so', async () => {
    const service = await startService();
    await service.stop();
    const lines = jsonLines(service.logs());
    expect(lines.filter((line) => line.context === 'Lifecycle').map((line) => line.message)).toEqual([
      expect.stringMatching(/^SIGTERM received/),
      'stopped (exit code 0)',
    ]);
    expect(lines.some((line) => /listening on http:\/\/127\.0\.0\.1:/.test(line.message))).toBe(true);
    // Nest's per-module and per-route start-up lines are debug details.
    expect(lines.filter((line) => ['InstanceLoader', 'RouterExplorer'].includes(String(line.context)))).toEqual([]);
  });

  it('LOG_FORMAT=pretty: readable lines; LOG_LEVEL=warn: no access lines', async () => {
    const pretty = await startService({ env: { LOG_FORMAT: 'pretty' } });
    await boto3(pretty, [
      { call: 'put_object', params: { Bucket: pretty.bucket, Key: 'a b', Body: Buffer.from('x') } },
    ]);
    await pretty.stop();
    const text = pretty.logs();
    expect(text).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO {2}\[S3\] PutObject 200 requestId=[0-9A-F]{16} operation=PutObject bucket=annotations key="a b" status=200 .*client=127\.0\.0\.1$/m,
    );
    expect(text).not.toMatch(/^\{/m);

    const quiet = await startService({ env: { LOG_LEVEL: 'warn' } });
    await boto3(quiet, [{ call: 'put_object', params: { Bucket: quiet.bucket, Key: 'k', Body: Buffer.from('x') } }]);
    await quiet.stop();
    expect(jsonLines(quiet.logs()).filter((line) => line.level === 'info')).toEqual([]);
  });
});

describe('startup errors (dist/main.js)', () => {
  it('PORT=abc: exit 1 and one fatal record that lists every bad setting, once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ops-fatal-'));
    try {
      const run = await runMain({ DATA_DIR: dataDir, PORT: 'abc', SYNC_MAX_PENDING: '0', GIT_TOKEN: 'tok-secret-1' });
      expect(run.code).toBe(1);
      const fatal = jsonLines(run.stderr);
      expect(fatal).toEqual([
        expect.objectContaining({
          level: 'fatal',
          context: 'Bootstrap',
          message: 'Invalid configuration (fix these settings in .env or the environment)',
          problems: [
            'PORT="abc": PORT must be a whole number from 0 to 65535',
            'SYNC_MAX_PENDING="0": SYNC_MAX_PENDING must be a whole number from 1 to 1000000',
          ],
        }),
      ]);
      expect(fatal[0].time).toMatch(ISO_UTC);
      expect(jsonLines(run.stdout).map((line) => line.message)).toEqual(['stopped (exit code 1)']);
      expect(run.stdout + run.stderr).not.toContain('tok-secret-1');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('LOG_FORMAT=pretty: the same as readable lines, and a bad LOG_FORMAT is reported in JSON', async () => {
    const pretty = await runMain({ LOG_FORMAT: 'pretty', PORT: 'abc' });
    expect(pretty.code).toBe(1);
    expect(pretty.stderr).toMatch(
      /^\S+Z FATAL \[Bootstrap\] Invalid configuration \(fix these settings in \.env or the environment\)\n {2}- PORT="abc": PORT must be a whole number from 0 to 65535\n$/,
    );
    const bad = await runMain({ LOG_FORMAT: 'text' });
    expect(bad.code).toBe(1);
    expect(jsonLines(bad.stderr)).toEqual([
      expect.objectContaining({ problems: ['LOG_FORMAT="text": LOG_FORMAT must be one of json, pretty'] }),
    ]);
  });
});
