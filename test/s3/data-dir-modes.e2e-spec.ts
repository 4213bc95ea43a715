import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunningService, startService, withLogs } from '../support/service.js';
import { flush } from '../sync/harness/admin-client.js';
import { boto3Ok } from './clients/boto3.js';

/**
 * The data folder holds the annotations three times (objects/, the embedded repository, the local DVC remote):
 * a DATA_DIR the service creates is closed to other local users, and so are the object files themselves.
 */
describe('a new DATA_DIR', () => {
  let root: string;
  let service: RunningService;
  const mode = (path: string) => statSync(path).mode & 0o777;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'data-dir-modes-'));
    service = await startService({ dataDir: join(root, 'fresh', 'data') });
  });
  afterAll(async () => {
    await service?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('is created 0750, with object files 0640, also once a flush wrote the embedded repository and DVC remote', () =>
    withLogs(service, async () => {
      await boto3Ok(service, {
        call: 'put_object',
        params: { Bucket: service.bucket, Key: 'exports/1.json', Body: Buffer.from('{"id":1}') },
      });
      expect((await flush(service)).lastError).toBeNull();
      expect(mode(service.dataDir)).toBe(0o750);
      expect(mode(join(service.dataDir, 'objects', 'exports', '1.json'))).toBe(0o640);
      expect(mode(join(service.dataDir, 'objects', 'exports'))).toBe(0o750);
    }));
});
