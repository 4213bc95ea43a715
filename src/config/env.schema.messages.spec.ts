import { describe, expect, it } from '@jest/globals';
import { InvalidConfigurationError, validateEnvironment } from './env.schema.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    validateEnvironment(env);
  } catch (error) {
    if (error instanceof InvalidConfigurationError) return error.problems;
    throw error;
  }
  return [];
}

describe('validateEnvironment: one clear message per bad setting', () => {
  it.each([
    [{ PORT: 'abc' }, ['PORT="abc": PORT must be a whole number from 0 to 65535']],
    [{ PORT: '70000' }, ['PORT="70000": PORT must be a whole number from 0 to 65535']],
    [{ PORT: '80.5' }, ['PORT="80.5": PORT must be a whole number from 0 to 65535']],
    [{ SYNC_MAX_PENDING: '0' }, ['SYNC_MAX_PENDING="0": SYNC_MAX_PENDING must be a whole number from 1 to 1000000']],
    [{ LOG_LEVEL: 'log' }, ['LOG_LEVEL="log": LOG_LEVEL must be one of fatal, error, warn, info, debug, verbose']],
    [{ LOG_FORMAT: 'text' }, ['LOG_FORMAT="text": LOG_FORMAT must be one of json, pretty']],
    // An IP address is no bucket name: every S3 request naming it would be refused as InvalidBucketName.
    [
      { S3_BUCKET: '10.0.0.1' },
      [
        'S3_BUCKET="10.0.0.1": S3_BUCKET must be a valid S3 bucket name (3-63 chars, lowercase letters, digits, dots, hyphens; not an IP address)',
      ],
    ],
  ])('%j → %j', (env, expected) => {
    expect(problemsOf(env)).toEqual(expected);
  });

  it.each(['fatal', 'error', 'warn', 'info', 'debug', 'verbose'])('accepts LOG_LEVEL=%s', (level) => {
    expect(validateEnvironment({ LOG_LEVEL: level }).LOG_LEVEL).toBe(level);
  });

  it('the message lists every problem, one per line', () => {
    expect(() => validateEnvironment({ PORT: 'abc', LOG_FORMAT: 'text' })).toThrow(
      'Invalid configuration (fix these settings in .env or the environment):\n' +
        '  - PORT="abc": PORT must be a whole number from 0 to 65535\n' +
        '  - LOG_FORMAT="text": LOG_FORMAT must be one of json, pretty',
    );
  });
});

const FILE = { PROJECTS_FILE: '/etc/dvc-sync/projects.yaml' };

describe('validateEnvironment with PROJECTS_FILE: what a project is comes from the file only', () => {
  it.each([
    ['S3_BUCKET', 'annotations', 'bucket'],
    [
      'GIT_REPO_URL',
      'https://git.example.com/team/a.git',
      'git.url; a project without one gets an embedded repository',
    ],
    ['DVC_DATASET_PATH', 'data/annotations.json', 'dataset'],
    ['DVC_REMOTE_URL', 's3://datasets/a', 'dvc.url'],
  ])('refuses %s beside it, saying why (even set to its default)', (name, value, field) => {
    expect(problemsOf({ ...FILE, [name]: value })).toEqual([
      `${name} cannot be set together with PROJECTS_FILE: each project names its own in the file (${field}), so this one would be meant for no project; unset it`,
    ]);
    expect(problemsOf({ [name]: value })).toEqual([]);
  });

  it('takes an empty value for unset, as everywhere', () => {
    expect(problemsOf({ ...FILE, S3_BUCKET: '', GIT_REPO_URL: ' ' })).toEqual([]);
  });

  it('lets the shared settings serve every project', () => {
    expect(
      problemsOf({
        ...FILE,
        S3_ACCESS_KEY_ID: 'GLOBALKEY',
        S3_SECRET_ACCESS_KEY: 'global-secret',
        GIT_BRANCH: 'labels',
        GIT_TOKEN: 'token',
        GIT_AUTHOR_NAME: 'Bot',
        DVC_REMOTE: 'storage',
        DVC_REMOTE_ENDPOINT_URL: 'http://minio:9000',
        SYNC_INTERVAL_SECONDS: '10',
      }),
    ).toEqual([]);
  });
});
