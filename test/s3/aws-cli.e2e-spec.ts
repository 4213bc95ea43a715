import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunningService, startService, withLogs } from '../support/service.js';
import { toolPaths } from '../support/tools.js';
import { allFiles } from './clients/s3-expect.js';
import { runCommand, type ProcessOutput } from '../support/run-command.js';

/**
 * The fields the suite reads of what `aws s3api <command> --output json` prints: botocore's parsed response
 * without ResponseMetadata (timestamps as ISO 8601 strings; get-object writes the body to its outfile, and
 * list-objects-v2 and delete-objects leave out an empty Contents or Deleted).
 */
interface S3apiOutputs {
  'put-object': { ETag: string };
  'head-object': { ETag: string; ContentLength: number; ContentType: string; LastModified: string };
  'get-object': { ETag: string; ContentLength: number; ContentType: string; LastModified: string };
  'copy-object': { CopyObjectResult: { ETag: string; LastModified: string } };
  'list-objects-v2': { KeyCount: number; Contents?: { Key: string; Size: number; ETag: string }[] };
  'delete-objects': { Deleted?: { Key: string }[]; Errors?: { Key: string; Code: string; Message: string }[] };
}

// The aws CLI v1 (botocore) as a user would run it against the service: path-style addressing and, to keep
// the test small, a 5 MB multipart threshold (the default is 8 MiB; multipart-clients.e2e-spec.ts runs the
// defaults on 100 MB).
describe('aws CLI', () => {
  let service: RunningService;
  let work: string;
  let cliEnv: Record<string, string>;
  const s3url = (key = '') => `s3://${service.bucket}/${key}`;
  const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

  const aws = (...args: string[]): Promise<ProcessOutput> =>
    runCommand(toolPaths().aws, ['--endpoint-url', service.url, ...args], { cwd: work, env: cliEnv });
  /** Runs the CLI and insists on exit 0 (the failure shows what the CLI said). */
  const awsOk = async (...args: string[]) => {
    const result = await aws(...args);
    if (result.code !== 0)
      throw new Error(`aws ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`);
    return result.stdout;
  };
  /** `aws s3api <command> … --output json`, parsed as what that command prints. */
  const s3api = async <C extends keyof S3apiOutputs>(command: C, ...args: string[]) =>
    JSON.parse(await awsOk('s3api', command, ...args, '--output', 'json')) as S3apiOutputs[C];
  const listedKeys = (lsOutput: string) =>
    lsOutput
      .split('\n')
      .filter(Boolean)
      .map((line) => line.replace(/^\S+ \S+\s+\d+ /, ''));

  beforeAll(async () => {
    service = await startService();
    work = mkdtempSync(join(tmpdir(), 'dvc-sync-awscli-'));
    const configFile = join(work, 'aws-config');
    writeFileSync(configFile, '[default]\ns3 =\n    addressing_style = path\n    multipart_threshold = 5MB\n');
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
    cliEnv = {
      ...(inherited as Record<string, string>),
      AWS_ACCESS_KEY_ID: service.accessKeyId,
      AWS_SECRET_ACCESS_KEY: service.secretAccessKey,
      AWS_DEFAULT_REGION: service.region,
      AWS_CONFIG_FILE: configFile,
      AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-credentials-file'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_MAX_ATTEMPTS: '1',
      PYTHONDONTWRITEBYTECODE: '1',
    };
  });
  afterAll(async () => {
    await service?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('copies a file up and down with aws s3 cp, byte-identical', () =>
    withLogs(service, async () => {
      const data = randomBytes(200 * 1024);
      writeFileSync(join(work, 'up.bin'), data);
      expect(await awsOk('s3', 'cp', '--no-progress', 'up.bin', s3url('cp/up.bin'))).toMatch(
        /upload: \.\/up\.bin to s3:\/\/.*\/cp\/up\.bin/,
      );
      await awsOk('s3', 'cp', '--no-progress', s3url('cp/up.bin'), 'down.bin');
      expect(md5(readFileSync(join(work, 'down.bin')))).toBe(md5(data));
    }));

  it('lists with aws s3 ls, by prefix and recursively', () =>
    withLogs(service, async () => {
      for (const key of ['ls/a.json', 'ls/sub/b.json', 'ls/sub/deeper/c.json']) {
        writeFileSync(join(work, 'item.json'), key);
        await awsOk('s3', 'cp', '--no-progress', 'item.json', s3url(key));
      }
      const top = await awsOk('s3', 'ls', s3url('ls/'));
      expect(top).toMatch(/^\s+PRE sub\/$/m);
      expect(listedKeys(top.replace(/^\s+PRE .*$/gm, ''))).toEqual(['a.json']);
      expect(listedKeys(await awsOk('s3', 'ls', '--recursive', s3url('ls/')))).toEqual([
        'ls/a.json',
        'ls/sub/b.json',
        'ls/sub/deeper/c.json',
      ]);
      const buckets = await awsOk('s3', 'ls');
      expect(buckets).toMatch(new RegExp(` ${service.bucket}$`, 'm'));
    }));

  it('removes with aws s3 rm, one key and --recursive', () =>
    withLogs(service, async () => {
      for (const key of ['rm/one', 'rm/dir/two', 'rm/dir/three']) {
        writeFileSync(join(work, 'item'), key);
        await awsOk('s3', 'cp', '--no-progress', 'item', s3url(key));
      }
      await awsOk('s3', 'rm', s3url('rm/one'));
      expect(listedKeys(await awsOk('s3', 'ls', '--recursive', s3url('rm/')))).toEqual(['rm/dir/three', 'rm/dir/two']);
      expect(await awsOk('s3', 'rm', '--recursive', s3url('rm/'))).toMatch(/delete: s3:\/\/.*rm\/dir\/two/);
      const after = await aws('s3', 'ls', '--recursive', s3url('rm/'));
      expect({ code: after.code, stdout: after.stdout }).toEqual({ code: 1, stdout: '' }); // the CLI's "nothing found"
    }));

  it('syncs a folder up (and then has nothing left to sync) and back down', () =>
    withLogs(service, async () => {
      const local = join(work, 'dataset');
      const files: Record<string, Buffer> = {
        'a.txt': Buffer.from('alpha'),
        'sub/b.json': Buffer.from('{"b": 1}'),
        'sub/deeper/c.bin': randomBytes(10_000),
      };
      for (const [name, data] of Object.entries(files)) {
        mkdirSync(join(local, name, '..'), { recursive: true });
        writeFileSync(join(local, name), data);
      }
      const first = await awsOk('s3', 'sync', '--no-progress', local, s3url('synced/'));
      expect(first.match(/^upload: /gm)).toHaveLength(3);
      expect(await awsOk('s3', 'sync', '--no-progress', local, s3url('synced/'))).toBe('');
      const back = join(work, 'dataset-back');
      await awsOk('s3', 'sync', '--no-progress', s3url('synced/'), back);
      expect(allFiles(back).sort()).toEqual(Object.keys(files).sort());
      for (const [name, data] of Object.entries(files)) expect(md5(readFileSync(join(back, name)))).toBe(md5(data));
    }));

  it('speaks aws s3api put-object, head-object, get-object, copy-object, list-objects-v2, delete-objects', () =>
    withLogs(service, async () => {
      const data = Buffer.from('{"task": 1, "label": "cat"}');
      writeFileSync(join(work, 'api.json'), data);
      const b = ['--bucket', service.bucket];
      const put = await s3api(
        'put-object',
        ...b,
        '--key',
        'api/one.json',
        '--body',
        'api.json',
        '--content-type',
        'application/json',
      );
      expect(put.ETag).toBe(`"${md5(data)}"`);
      expect(await s3api('head-object', ...b, '--key', 'api/one.json')).toMatchObject({
        ContentLength: data.length,
        ETag: `"${md5(data)}"`,
        ContentType: 'application/json',
      });
      const got = await s3api('get-object', ...b, '--key', 'api/one.json', 'api-out.json');
      expect(got.ETag).toBe(`"${md5(data)}"`);
      expect(readFileSync(join(work, 'api-out.json')).equals(data)).toBe(true);
      const copied = await s3api(
        'copy-object',
        ...b,
        '--key',
        'api/two.json',
        '--copy-source',
        `${service.bucket}/api/one.json`,
      );
      expect(copied.CopyObjectResult.ETag).toBe(`"${md5(data)}"`);
      const listed = await s3api('list-objects-v2', '--no-paginate', ...b, '--prefix', 'api/');
      expect(listed.KeyCount).toBe(2);
      expect((listed.Contents ?? []).map((o) => o.Key)).toEqual(['api/one.json', 'api/two.json']);
      const deleted = await s3api(
        'delete-objects',
        ...b,
        '--delete',
        JSON.stringify({ Objects: [{ Key: 'api/one.json' }, { Key: 'api/two.json' }] }),
      );
      expect((deleted.Deleted ?? []).map((d) => d.Key).sort()).toEqual(['api/one.json', 'api/two.json']);
      expect((await s3api('list-objects-v2', '--no-paginate', ...b, '--prefix', 'api/')).KeyCount).toBe(0);
    }));

  it('uploads above the multipart threshold in parts, and reads the same bytes back', () =>
    withLogs(service, async () => {
      const data = randomBytes(6 * 1024 * 1024);
      writeFileSync(join(work, 'big.bin'), data);
      await awsOk('s3', 'cp', '--no-progress', 'big.bin', s3url('multipart/big.bin'));
      const head = await s3api('head-object', '--bucket', service.bucket, '--key', 'multipart/big.bin');
      // Above the 5 MB threshold the CLI goes multipart; its chunks are 8 MiB, so here one part.
      expect(head.ETag).toMatch(/^"[0-9a-f]{32}-1"$/);
      await awsOk('s3', 'cp', '--no-progress', s3url('multipart/big.bin'), 'big-back.bin');
      expect(md5(readFileSync(join(work, 'big-back.bin')))).toBe(md5(data));
    }));
});
