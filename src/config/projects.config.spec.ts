import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ConfigType } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The whole way a user takes: PROJECTS_FILE in the environment, AppConfigModule at boot (which also copies what
 * it validated into process.env), then `projectsConfig` as the runtime injects it.
 */
describe('projectsConfig from a real PROJECTS_FILE, through AppConfigModule', () => {
  const dir = mkdtempSync(join(tmpdir(), 'projects-config-'));
  const saved = { ...process.env };
  beforeAll(() => {
    for (const name of Object.keys(process.env)) {
      if (/^(S3_|GIT_|DVC_|SYNC_|PROJECTS_FILE|DATA_DIR)/.test(name)) delete process.env[name];
    }
    writeFileSync(
      join(dir, 'projects.yaml'),
      `defaults:
  sync: { intervalSeconds: 15 }
projects:
  - bucket: sentiment
    s3: { accessKeyId: AKIASENTIMENT01, secretAccessKey: "\${SENTIMENT_SECRET}" }
    git: { url: "https://git.example.com/team/datasets.git", branch: sentiment, token: "\${GIT_TOKEN}" }
    dataset: data/sentiment.json
  - bucket: ner
    dataset: data/ner
`,
    );
    Object.assign(process.env, {
      DATA_DIR: dir,
      PROJECTS_FILE: join(dir, 'projects.yaml'),
      SENTIMENT_SECRET: 'sentiment-secret-0123',
      GIT_TOKEN: 'team-token',
      SYNC_CONCURRENCY: '2',
    });
  });
  afterAll(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the projects of the file, the environment filling what the file leaves out (never a Git token)', async () => {
    // Imported only now: ConfigModule.forRoot reads the environment when its module is first evaluated.
    const { AppConfigModule } = await import('./app-config.module.js');
    const { projectsConfig } = await import('./configuration.js');
    const moduleRef = await Test.createTestingModule({ imports: [AppConfigModule] }).compile();
    const config = moduleRef.get<ConfigType<typeof projectsConfig>>(projectsConfig.KEY);

    expect(config.concurrency).toBe(2);
    expect(
      config.projects.map((p) => ({
        bucket: p.bucket,
        keys: p.keys,
        dataDir: p.dataDir,
        repoUrl: p.git.repoUrl,
        branch: p.git.branch,
        token: p.git.token,
        dataset: p.dvc.datasetPath,
        sync: p.sync,
      })),
    ).toEqual([
      {
        bucket: 'sentiment',
        keys: { accessKeyId: 'AKIASENTIMENT01', secretAccessKey: 'sentiment-secret-0123' },
        dataDir: join(dir, 'projects', 'sentiment'),
        repoUrl: 'https://git.example.com/team/datasets.git',
        branch: 'sentiment',
        token: 'team-token',
        dataset: 'data/sentiment.json',
        sync: { intervalSeconds: 15, maxPending: 500 },
      },
      {
        bucket: 'ner',
        keys: undefined,
        dataDir: join(dir, 'projects', 'ner'),
        repoUrl: undefined,
        branch: 'main',
        token: undefined, // GIT_TOKEN is never sent where the file does not say so,
        dataset: 'data/ner',
        sync: { intervalSeconds: 15, maxPending: 500 },
      },
    ]);
    // Defaults are not copied into the environment as if they had been set (S3_BUCKET would then be refused).
    expect(process.env.S3_BUCKET).toBeUndefined();
  });
});
