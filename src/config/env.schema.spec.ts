import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { EnvironmentVariables, validateEnvironment } from './env.schema.js';

describe('validateEnvironment', () => {
  it('applies the documented defaults to an empty environment', () => {
    const env = validateEnvironment({});
    expect(env).toMatchObject({
      PORT: 8000,
      HOST: '0.0.0.0',
      DATA_DIR: './data',
      S3_REGION: 'us-east-1',
      S3_BUCKET: 'annotations',
      GIT_BRANCH: 'main',
      DVC_DATASET_PATH: 'data/annotations.json',
      SYNC_INTERVAL_SECONDS: 30,
      SYNC_MAX_PENDING: 500,
    });
    expect(env.S3_ACCESS_KEY_ID).toBeUndefined();
  });

  it('reads numbers from strings and treats empty strings as unset', () => {
    const env = validateEnvironment({ PORT: '9001', S3_ACCESS_KEY_ID: '', S3_SECRET_ACCESS_KEY: '' });
    expect(env.PORT).toBe(9001);
    expect(env.S3_ACCESS_KEY_ID).toBeUndefined();
  });

  it('lists every bad setting in one error, without printing secrets', () => {
    let message = '';
    try {
      validateEnvironment({
        PORT: 'eighty',
        S3_BUCKET: 'Bad_Bucket',
        GIT_REPO_URL: 'git@github.com:team/repo.git',
        S3_ACCESS_KEY_ID: 'key-only',
        DVC_REMOTE_SECRET_ACCESS_KEY: 'x',
        ADMIN_TOKEN: 'short-secret',
        TLS_CERT_FILE: 'cert.pem',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('PORT');
    expect(message).toContain('S3_BUCKET');
    expect(message).toContain('GIT_REPO_URL');
    expect(message).toContain('ssh is not supported');
    expect(message).toContain('ADMIN_TOKEN');
    expect(message).toContain('TLS_CERT_FILE and TLS_KEY_FILE');
    expect(message).toContain('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY');
    expect(message).not.toContain('short-secret');
  });

  it.each([
    ['DVC_DATASET_PATH', '/abs/path.json'],
    ['DVC_DATASET_PATH', 'data/../escape.json'],
    ['DVC_DATASET_PATH', 'data/'],
    ['GIT_BRANCH', 'bad..branch'],
    ['GIT_BRANCH', 'with space'],
    ['SYNC_INTERVAL_SECONDS', '0'],
    ['S3_REGION', 'US EAST'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => validateEnvironment({ [name]: value })).toThrow(name);
  });

  it('.env.example documents every setting', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const documented = new Set([...example.matchAll(/^#?\s*([A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const settings = Object.keys(validateEnvironment({})).concat(
      Object.getOwnPropertyNames(new EnvironmentVariables()),
      ['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'ADMIN_TOKEN', 'TLS_CERT_FILE', 'TLS_KEY_FILE', 'GIT_REPO_URL'],
    );
    for (const name of new Set(settings)) expect([...documented]).toContain(name);
  });
});
