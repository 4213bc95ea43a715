import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startS3App } from './s3-app.harness.js';

describe('S3 credentials: configured, or generated once and kept in DATA_DIR', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 's3-credentials-'));
  const file = join(dataDir, 'credentials.json');
  const unset = { S3_ACCESS_KEY_ID: '', S3_SECRET_ACCESS_KEY: '' };
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('uses S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY when set, writes no file and never logs the secret', async () => {
    const own = mkdtempSync(join(tmpdir(), 's3-credentials-env-'));
    const app = await startS3App(
      { S3_ACCESS_KEY_ID: 'AKCONFIGURED1', S3_SECRET_ACCESS_KEY: 'configured-secret-123' },
      { dataDir: own },
    );
    try {
      expect([app.accessKeyId, app.secretAccessKey]).toEqual(['AKCONFIGURED1', 'configured-secret-123']);
      expect(existsSync(join(own, 'credentials.json'))).toBe(false);
      expect(app.logs.join('\n')).not.toContain('configured-secret-123');
    } finally {
      await app.close();
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('generates strong credentials on the first start, stores them 0600, logs where they are but never the secret', async () => {
    const app = await startS3App(unset, { dataDir });
    try {
      expect(app.accessKeyId).toMatch(/^[A-Z0-9]{20}$/);
      expect(app.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
        accessKeyId: app.accessKeyId,
        secretAccessKey: app.secretAccessKey,
      });
      expect(app.logs.join('\n')).not.toContain(app.secretAccessKey);
      const announced = app.logs.filter((line) => line.includes('Generated S3 credentials'));
      expect(announced).toHaveLength(1);
      expect(announced[0]).toContain(app.accessKeyId);
      expect(announced[0]).toContain(file);
      const s3 = app.client();
      await s3.send(new PutObjectCommand({ Bucket: app.bucket, Key: 'k', Body: Buffer.from('v') }));
    } finally {
      await app.close();
    }
  });

  it('reuses them on the next start without printing the secret again', async () => {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { accessKeyId: string; secretAccessKey: string };
    const app = await startS3App(unset, { dataDir });
    try {
      expect([app.accessKeyId, app.secretAccessKey]).toEqual([stored.accessKeyId, stored.secretAccessKey]);
      expect(app.logs.join('\n')).not.toContain(stored.secretAccessKey);
      expect(app.logs.some((line) => line.includes(stored.accessKeyId) && line.includes(file))).toBe(true);
      const got = await app.client().send(new GetObjectCommand({ Bucket: app.bucket, Key: 'k' }));
      expect(await got.Body!.transformToString()).toBe('v');
    } finally {
      await app.close();
    }
  });
});
