import { describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { collectDvcRemoteOptions, InvalidConfigurationError, validateEnvironment } from './env.schema.js';
import { loadProjectsFile } from './projects-file.loader.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/projects.yaml', import.meta.url));

describe('examples/projects.yaml (the README points to it)', () => {
  const env = {
    SENTIMENT_SECRET: 'sentiment-secret-0123',
    SENTIMENT_GIT_TOKEN: 'sentiment-token',
    NER_REMOTE_KEY_ID: 'AKIANERREMOTE',
    NER_REMOTE_SECRET: 'ner-remote-secret',
    GIT_TOKEN: 'team-token',
  };
  const load = (variables: Record<string, string>) =>
    loadProjectsFile({
      file: EXAMPLE,
      dataDir: '/data',
      environment: validateEnvironment(variables),
      remoteOptions: collectDvcRemoteOptions(variables),
      variables,
    });

  it('loads, each project as its comments say', () => {
    const projects = load(env);
    expect(
      projects.map((p) => ({
        bucket: p.bucket,
        ownKeys: p.keys !== undefined,
        dataDir: p.dataDir,
        repo: p.git.repoUrl,
        branch: p.git.branch,
        token: p.git.token,
        author: p.git.authorName,
        dataset: p.dvc.datasetPath,
        remote: p.dvc.remoteName ?? p.dvc.remoteUrl,
        options: p.dvc.remoteOptions,
        interval: p.sync.intervalSeconds,
      })),
    ).toEqual([
      {
        bucket: 'sentiment',
        ownKeys: true,
        dataDir: '/data/projects/sentiment',
        repo: 'https://git.example.com/team/sentiment.git',
        branch: 'labels',
        token: 'sentiment-token',
        author: 'Label Studio annotations',
        dataset: 'data/annotations.json',
        remote: 'storage',
        options: {},
        interval: 30,
      },
      {
        bucket: 'ner-news',
        ownKeys: false,
        dataDir: '/data/projects/ner-news',
        repo: 'https://git.example.com/team/ner.git',
        branch: 'news',
        token: 'team-token',
        author: 'Label Studio annotations',
        dataset: 'data/ner',
        remote: 's3://team-datasets/ner',
        options: {
          endpoint_url: 'https://minio.example.com',
          access_key_id: 'AKIANERREMOTE',
          secret_access_key: 'ner-remote-secret',
        },
        interval: 30,
      },
      {
        bucket: 'ner-medical',
        ownKeys: false,
        dataDir: '/data/projects/ner-medical',
        repo: 'https://git.example.com/team/ner.git',
        branch: 'medical',
        token: 'team-token',
        author: 'Label Studio annotations',
        dataset: 'data/ner',
        remote: undefined,
        options: {},
        interval: 30,
      },
      {
        bucket: 'trial',
        ownKeys: false,
        dataDir: '/data/projects/trial',
        repo: undefined,
        branch: 'main',
        token: 'team-token',
        author: 'Label Studio annotations',
        dataset: 'data/trial.jsonl',
        remote: undefined,
        options: {},
        interval: 5,
      },
    ]);
  });

  it('refuses to start without the variables it names, listing each', () => {
    let problems: string[] = [];
    try {
      load({});
    } catch (error) {
      problems = (error as InvalidConfigurationError).problems;
    }
    expect(problems).toEqual([
      'defaults.git.token: ${GIT_TOKEN}: the environment variable GIT_TOKEN is not set (or is empty) (line 17)',
      'projects[0].s3.secretAccessKey: ${SENTIMENT_SECRET}: the environment variable SENTIMENT_SECRET is not set (or is empty) (line 25)',
      'projects[0].git.token: ${SENTIMENT_GIT_TOKEN}: the environment variable SENTIMENT_GIT_TOKEN is not set (or is empty) (line 30)',
      'projects[1].dvc.accessKeyId: ${NER_REMOTE_KEY_ID}: the environment variable NER_REMOTE_KEY_ID is not set (or is empty) (line 43)',
      'projects[1].dvc.secretAccessKey: ${NER_REMOTE_SECRET}: the environment variable NER_REMOTE_SECRET is not set (or is empty) (line 44)',
    ]);
  });
});
