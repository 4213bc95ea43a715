import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand, type ProcessOutput } from '../support/run-command.js';
import { RunningService, startService, withLogs } from '../support/service.js';

/**
 * rclone (the Debian package), configured as its docs say for "Other" S3 providers, with no other setting. It asks
 * GET ?versioning before purges and syncs: an error there is logged on every run.
 */
describe('rclone', () => {
  let service: RunningService;
  let work: string;
  const rclone = (...args: string[]): Promise<ProcessOutput> =>
    runCommand('rclone', ['--config', '/dev/null', '--retries', '1', '--low-level-retries', '1', ...args], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: work,
        RCLONE_CONFIG_TARGET_TYPE: 's3',
        RCLONE_CONFIG_TARGET_PROVIDER: 'Other',
        RCLONE_CONFIG_TARGET_ENDPOINT: service.url,
        RCLONE_CONFIG_TARGET_ACCESS_KEY_ID: service.accessKeyId,
        RCLONE_CONFIG_TARGET_SECRET_ACCESS_KEY: service.secretAccessKey,
        RCLONE_CONFIG_TARGET_REGION: service.region,
      },
    });
  const ok = async (...args: string[]) => {
    const result = await rclone(...args);
    expect({
      args,
      code: result.code,
      errors: result.stderr.split('\n').filter((l) => /ERROR|NOTICE/.test(l)),
    }).toEqual({
      args,
      code: 0,
      errors: [],
    });
    return result.stdout;
  };

  beforeAll(async () => {
    // A missing tool is a loud failure (.ci/run installs the Debian package).
    const version = await runCommand('rclone', ['version']).catch((error: Error) => ({
      code: -1,
      stdout: error.message,
    }));
    if (version.code !== 0)
      throw new Error(`rclone is required for this suite (apt-get install rclone): ${version.stdout}`);
    service = await startService();
    work = mkdtempSync(join(tmpdir(), 'rclone-'));
  });
  afterAll(async () => {
    await service?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('copies a folder up and back, lists it, and purges it without a single error or notice', () =>
    withLogs(service, async () => {
      const source = join(work, 'source');
      mkdirSync(join(source, 'nested'), { recursive: true });
      writeFileSync(join(source, 'a.json'), '{"a":1}\n');
      writeFileSync(join(source, 'nested', 'b é.json'), '{"b":2}\n');
      await ok('copy', source, `target:${service.bucket}/rc`);
      expect((await ok('lsf', '-R', `target:${service.bucket}/rc`)).split('\n').filter(Boolean).sort()).toEqual([
        'a.json',
        'nested/',
        'nested/b é.json',
      ]);
      await ok('copy', `target:${service.bucket}/rc`, join(work, 'back'));
      expect(readFileSync(join(work, 'back', 'nested', 'b é.json'), 'utf8')).toBe('{"b":2}\n');
      await ok('purge', `target:${service.bucket}/rc`); // asks GET ?versioning first
      expect(await ok('lsf', '-R', `target:${service.bucket}`)).toBe('');
    }));
});
