import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { collectDvcRemoteOptions, InvalidConfigurationError, validateEnvironment } from './env.schema.js';
import { loadProjectsFile } from './projects-file.loader.js';
import type { ProjectSettings } from './project.settings.js';

const dir = mkdtempSync(join(tmpdir(), 'projects-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** The file as given, loaded the way projectsConfig loads it, with `env` as the whole environment. */
function load(text: string, env: Record<string, string> = {}, name = `projects-${files++}.yaml`): ProjectSettings[] {
  const file = join(dir, name);
  writeFileSync(file, text);
  return loadProjectsFile({
    file,
    dataDir: '/srv/data',
    environment: validateEnvironment(env),
    remoteOptions: collectDvcRemoteOptions(env),
    variables: env,
  });
}

function failureOf(run: () => unknown): InvalidConfigurationError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidConfigurationError) return error;
    throw error;
  }
  throw new Error('expected the projects file to be refused');
}
const problemsOf = (text: string, env: Record<string, string> = {}) => failureOf(() => load(text, env)).problems;

const SDK_NONE = {
  googleApplicationCredentials: undefined,
  azureStorageConnectionString: undefined,
  azureStorageAccount: undefined,
  azureStorageKey: undefined,
  azureStorageSasToken: undefined,
};

// A projects file as a user writes it (a shorter cousin of the README's example).
const EXAMPLE = `
defaults:                      # optional; any project field, inherited by every project
  sync: { intervalSeconds: 30, maxPending: 500 }
projects:
  - bucket: sentiment          # the S3 bucket name Label Studio is given (unique, S3 naming rules)
    s3: { accessKeyId: AKIASENTIMENT01, secretAccessKey: "\${SENTIMENT_SECRET}" }   # optional: else the global pair
    git: { url: "https://git.example.com/team/sentiment.git", branch: labels, username: bot, token: "\${GIT_TOKEN}" }
    dataset: data/annotations.json          # same rules as DVC_DATASET_PATH
    dvc: { remote: storage }                # or { url: s3://…, endpointUrl: …, accessKeyId: …, … } as DVC_REMOTE_*
  - bucket: ner
    dataset: data/ner                       # no git.url: an embedded repository of its own
`;
const EXAMPLE_ENV = { SENTIMENT_SECRET: 'sentiment-secret-0123', GIT_TOKEN: 'glpat-team-token' };

describe('loadProjectsFile: valid files', () => {
  it('the example gives both projects, complete, each in its own folder', () => {
    const expected: ProjectSettings[] = [
      {
        bucket: 'sentiment',
        keys: { accessKeyId: 'AKIASENTIMENT01', secretAccessKey: 'sentiment-secret-0123' },
        dataDir: '/srv/data/projects/sentiment',
        git: {
          repoUrl: 'https://git.example.com/team/sentiment.git',
          branch: 'labels',
          baseBranch: undefined,
          username: 'bot',
          token: 'glpat-team-token',
          authorName: 'DVC Sync S3 API',
          authorEmail: 'dvc-sync@localhost',
          httpTimeoutMs: 60_000,
        },
        dvc: {
          datasetPath: 'data/annotations.json',
          remoteName: 'storage',
          remoteUrl: undefined,
          remoteOptions: {},
          sdkEnvironment: SDK_NONE,
        },
        sync: { intervalSeconds: 30, maxPending: 500 },
      },
      {
        bucket: 'ner',
        keys: undefined,
        dataDir: '/srv/data/projects/ner',
        git: {
          repoUrl: undefined,
          branch: 'main',
          baseBranch: undefined,
          username: undefined,
          // GIT_TOKEN is in the environment, but a token goes only where the file sends it (another Git server
          // must never receive it): this embedded project has none.
          token: undefined,
          authorName: 'DVC Sync S3 API',
          authorEmail: 'dvc-sync@localhost',
          httpTimeoutMs: 60_000,
        },
        dvc: {
          datasetPath: 'data/ner',
          remoteName: undefined,
          remoteUrl: undefined,
          remoteOptions: {},
          sdkEnvironment: SDK_NONE,
        },
        sync: { intervalSeconds: 30, maxPending: 500 },
      },
    ];
    expect(load(EXAMPLE, EXAMPLE_ENV)).toEqual(expected);
  });

  it('reads JSON (a subset of YAML) to the same projects', () => {
    const json = JSON.stringify({
      defaults: { sync: { intervalSeconds: 30, maxPending: 500 } },
      projects: [
        {
          bucket: 'sentiment',
          s3: { accessKeyId: 'AKIASENTIMENT01', secretAccessKey: '${SENTIMENT_SECRET}' },
          git: {
            url: 'https://git.example.com/team/sentiment.git',
            branch: 'labels',
            username: 'bot',
            token: '${GIT_TOKEN}',
          },
          dataset: 'data/annotations.json',
          dvc: { remote: 'storage' },
        },
        { bucket: 'ner', dataset: 'data/ner' },
      ],
    });
    expect(load(json, EXAMPLE_ENV, 'projects.json')).toEqual(load(EXAMPLE, EXAMPLE_ENV));
  });

  it('turns DVC remote options in camelCase into DVC names, as DVC_REMOTE_<OPTION> does', () => {
    const [project] = load(
      stringify({
        projects: [
          {
            bucket: 'aaa',
            dataset: 'data/a',
            dvc: {
              url: 's3://datasets/a',
              endpointUrl: 'http://minio:9000',
              accessKeyId: 'AKIAREMOTE',
              secretAccessKey: '${REMOTE_SECRET}',
              keyfile: '/keys/id_ed25519',
              sslVerify: false,
              jobs: 8,
            },
          },
        ],
      }),
      { REMOTE_SECRET: 'remote-secret-value' },
    );
    expect(project.dvc).toMatchObject({
      remoteUrl: 's3://datasets/a',
      remoteOptions: {
        endpoint_url: 'http://minio:9000',
        access_key_id: 'AKIAREMOTE',
        secret_access_key: 'remote-secret-value',
        keyfile: '/keys/id_ed25519',
        ssl_verify: 'false',
        jobs: '8',
      },
    });
  });

  it('merges defaults into each project field by field, the project winning', () => {
    const projects = load(`
defaults:
  dataset: data/annotations.json
  git: { url: "https://git.example.com/team/mono.git", authorName: Annotations bot, branch: labels }
  dvc: { remote: storage, region: eu-west-1, endpointUrl: "http://minio:9000" }
  sync: { intervalSeconds: 10 }
projects:
  - bucket: aaa
    dataset: data/a.json
    git: { branch: a }
    dvc: { region: us-east-2 }
  - bucket: bbb
    git: { url: "https://git.example.com/team/b.git" }
    sync: { maxPending: 7 }
`);
    expect(
      projects.map(({ bucket, git, dvc, sync }) => ({
        bucket,
        repoUrl: git.repoUrl,
        branch: git.branch,
        authorName: git.authorName,
        datasetPath: dvc.datasetPath,
        remoteName: dvc.remoteName,
        remoteOptions: dvc.remoteOptions,
        sync,
      })),
    ).toEqual([
      {
        bucket: 'aaa',
        repoUrl: 'https://git.example.com/team/mono.git',
        branch: 'a',
        authorName: 'Annotations bot',
        datasetPath: 'data/a.json',
        remoteName: 'storage',
        remoteOptions: { region: 'us-east-2', endpoint_url: 'http://minio:9000' },
        sync: { intervalSeconds: 10, maxPending: 500 },
      },
      {
        bucket: 'bbb',
        repoUrl: 'https://git.example.com/team/b.git',
        branch: 'labels',
        authorName: 'Annotations bot',
        datasetPath: 'data/annotations.json',
        remoteName: 'storage',
        remoteOptions: { region: 'eu-west-1', endpoint_url: 'http://minio:9000' },
        sync: { intervalSeconds: 10, maxPending: 7 },
      },
    ]);
  });
});

describe('loadProjectsFile: precedence (project > defaults > environment > built-in default)', () => {
  type Pick = (project: ProjectSettings) => unknown;
  const ENV = {
    GIT_BRANCH: 'env-branch',
    GIT_BASE_BRANCH: 'env-base',
    GIT_USERNAME: 'env-user',
    GIT_TOKEN: 'env-token',
    GIT_AUTHOR_NAME: 'Env Author',
    GIT_AUTHOR_EMAIL: 'env@example.com',
    GIT_HTTP_TIMEOUT_SECONDS: '11',
    DVC_REMOTE: 'env-remote',
    DVC_REMOTE_REGION: 'env-region',
    SYNC_INTERVAL_SECONDS: '12',
    SYNC_MAX_PENDING: '13',
  };
  // field in the file, a value for it, what the settings hold, the env value, the built-in default
  it.each<[string, string | number, Pick, unknown, unknown]>([
    ['git.branch', 'own', (p) => p.git.branch, 'env-branch', 'main'],
    ['git.baseBranch', 'own', (p) => p.git.baseBranch, 'env-base', undefined],
    // Credentials never come from the environment: GIT_USERNAME/GIT_TOKEN may belong to another Git server.
    ['git.username', 'own', (p) => p.git.username, undefined, undefined],
    ['git.token', 'own', (p) => p.git.token, undefined, undefined],
    ['git.authorName', 'own', (p) => p.git.authorName, 'Env Author', 'DVC Sync S3 API'],
    ['git.authorEmail', 'own@example.com', (p) => p.git.authorEmail, 'env@example.com', 'dvc-sync@localhost'],
    ['git.httpTimeoutSeconds', 5, (p) => p.git.httpTimeoutMs / 1000, 11, 60],
    ['dvc.remote', 'own', (p) => p.dvc.remoteName, 'env-remote', undefined],
    ['dvc.region', 'own', (p) => p.dvc.remoteOptions.region, 'env-region', undefined],
    ['sync.intervalSeconds', 5, (p) => p.sync.intervalSeconds, 12, 30],
    ['sync.maxPending', 5, (p) => p.sync.maxPending, 13, 500],
  ])('%s', (field, value, pick, fromEnv, builtIn) => {
    const [section, name] = field.split('.');
    const own = { [section]: { [name]: value } };
    const defaultValue = typeof value === 'number' ? value + 1 : `${value}-default`;
    const defaults = { [section]: { [name]: field === 'git.authorEmail' ? 'default@example.com' : defaultValue } };
    const file = (withDefaults: boolean, withOwn: boolean) =>
      stringify({
        ...(withDefaults ? { defaults } : {}),
        projects: [{ bucket: 'proj', dataset: 'data/p', ...(withOwn ? own : {}) }],
      });
    expect(pick(load(file(true, true), ENV)[0])).toBe(value);
    expect(pick(load(file(true, false), ENV)[0])).toBe(defaults[section][name]);
    expect(pick(load(file(false, false), ENV)[0])).toBe(fromEnv);
    expect(pick(load(file(false, false), {})[0])).toBe(builtIn);
  });

  it('never takes what a project IS from the environment: no git.url is an embedded repository of its own', () => {
    // S3_BUCKET, GIT_REPO_URL, DVC_DATASET_PATH, DVC_REMOTE_URL are refused beside PROJECTS_FILE (env.schema);
    // their defaults do not flow either.
    const [project] = load(stringify({ projects: [{ bucket: 'proj', dataset: 'data/p' }] }));
    expect(project).toMatchObject({ bucket: 'proj', dataDir: '/srv/data/projects/proj' });
    expect(project.git.repoUrl).toBeUndefined();
    expect(project.dvc.remoteUrl).toBeUndefined();
    expect(project.dvc.datasetPath).toBe('data/p');
    expect(project.keys).toBeUndefined();
  });

  it('reads numbers from ${NAME} too, as from the environment', () => {
    const [project] = load(
      'projects: [{ bucket: proj, dataset: data/p, sync: { intervalSeconds: "${INTERVAL}" }, git: { httpTimeoutSeconds: "${TIMEOUT}" } }]\n',
      { INTERVAL: '45', TIMEOUT: '9' },
    );
    expect([project.sync.intervalSeconds, project.git.httpTimeoutMs]).toEqual([45, 9000]);
  });

  it('the SDK variables (GOOGLE_APPLICATION_CREDENTIALS, AZURE_STORAGE_*) serve every project', () => {
    const [project] = load(stringify({ projects: [{ bucket: 'proj', dataset: 'data/p' }] }), {
      GOOGLE_APPLICATION_CREDENTIALS: '/keys/gcs.json',
    });
    expect(project.dvc.sdkEnvironment.googleApplicationCredentials).toBe('/keys/gcs.json');
  });
});

const at = (line: number) => ` (line ${line})`;

describe('loadProjectsFile: every problem, with its path and line, in one error', () => {
  it.each<[string, string, Record<string, string>, string[]]>([
    [
      'bad values, as the environment rules say',
      `projects:
  - bucket: Bad_Bucket
    dataset: /etc/passwd
    git:
      url: git@github.com:team/repo.git
      branch: bad..branch
      authorEmail: nobody
      httpTimeoutSeconds: 0
    sync: { intervalSeconds: abc, maxPending: 2000000 }
`,
      {},
      [
        `projects[0].bucket: must be a valid S3 bucket name (3-63 chars, lowercase letters, digits, dots, hyphens; not an IP address)${at(2)}`,
        `projects[0].dataset: must be a relative path inside the repository, e.g. data/annotations.json${at(3)}`,
        `projects[0].git.url: must be an http(s) URL (ssh is not supported: use an https URL with a user name and token)${at(5)}`,
        `projects[0].git.branch: must be a valid git branch name${at(6)}`,
        `projects[0].git.authorEmail: must be an e-mail address${at(7)}`,
        `projects[0].git.httpTimeoutSeconds: must be a whole number from 1 to 3600${at(8)}`,
        `projects[0].sync.intervalSeconds: must be a whole number from 1 to 86400${at(9)}`,
        `projects[0].sync.maxPending: must be a whole number from 1 to 1000000${at(9)}`,
      ],
    ],
    [
      'unknown fields, with the valid ones',
      `defaults:
  git: { brnach: labels }
projects:
  - bucket: aaa
    dataset: data/a
    sinc: { intervalSeconds: 5 }
    dvc: { remote: storage, endpoint_url: "http://minio:9000" }
`,
      {},
      [
        `defaults.git.brnach: unknown field (valid: url, branch, baseBranch, username, token, authorName, authorEmail, httpTimeoutSeconds)${at(2)}`,
        `projects[0].sinc: unknown field (valid: bucket, s3, git, dataset, dvc, sync)${at(6)}`,
        `projects[0].dvc.endpoint_url: unknown field (valid: remote, url, or a DVC remote option in camelCase, e.g. endpointUrl)${at(7)}`,
      ],
    ],
    [
      'a top-level typo',
      `project:
  - bucket: aaa
`,
      {},
      [
        'projects: is required: the list of projects (- bucket: …)',
        `project: unknown field (valid: defaults, projects)${at(1)}`,
      ],
    ],
    [
      'no projects',
      `defaults: { dataset: data/a }
projects: []
`,
      {},
      [`projects: is empty: declare at least one project${at(2)}`],
    ],
    [
      'projects that are not a list of mappings',
      `projects:
  - just-a-bucket-name
  - bucket: bbb
    git: https://git.example.com/team/b.git
    dataset: data/b
`,
      {},
      [
        `projects[0]: must be a mapping of fields (name: value)${at(2)}`,
        `projects[1].git: must be a mapping of fields (name: value)${at(4)}`,
      ],
    ],
    [
      'missing fields: a bucket, a dataset, half a key pair',
      `projects:
  - dataset: data/a
  - bucket: bbb
    s3: { accessKeyId: AKIAB }
`,
      {},
      [
        `projects[0].bucket: is required: the S3 bucket name this project is given in Label Studio${at(2)}`,
        `projects[1].s3.secretAccessKey: is required: with s3, both accessKeyId and secretAccessKey (or no s3: the global pair)${at(4)}`,
      ],
    ],
    [
      'a dataset given nowhere',
      `projects:
  - bucket: aaa
`,
      {},
      [
        `projects[0].dataset: is required (here or in defaults): the path of the dataset in the repository, e.g. data/annotations.json${at(2)}`,
      ],
    ],
    [
      "a project's own bucket or keys in defaults",
      `defaults:
  bucket: shared
  s3: { accessKeyId: AKIASHARED, secretAccessKey: shared-secret }
projects:
  - bucket: aaa
    dataset: data/a
`,
      {},
      [
        `defaults.bucket: cannot be a default: it is each project's own${at(2)}`,
        `defaults.s3: cannot be a default: it is each project's own${at(3)}`,
      ],
    ],
    [
      'numbers and empty values where text belongs, lines with no value',
      `projects:
  - bucket: aaa
    dataset: data/a
    git: { branch: 2024, token: "" }
    dvc:
      remote:
      jobs: [1, 2]
`,
      {},
      [
        `projects[0].git.branch: must be text (put it in quotes)${at(4)}`,
        `projects[0].git.token: must not be empty (remove the line to use the default)${at(4)}`,
        `projects[0].dvc.remote: has no value: give one, or remove the line${at(6)}`,
        `projects[0].dvc.jobs: must be text, a number or true/false${at(7)}`,
      ],
    ],
    [
      'a DVC option breaking the rule the environment has for it',
      `projects:
  - { bucket: aaa, dataset: data/a, dvc: { endpointUrl: "minio:9000" } }
`,
      {},
      [`projects[0].dvc.endpointUrl: must be an http(s) URL${at(2)}`],
    ],
    [
      'an unset variable, and a substituted value that breaks a rule (shown by path only)',
      `projects:
  - bucket: aaa
    dataset: data/a
    s3: { accessKeyId: AKIAA, secretAccessKey: "\${A_SECRET}" }
    git: { url: "https://git.example.com/a.git", token: "\${A_TOKEN}" }
`,
      { A_SECRET: 'short' },
      [
        `projects[0].s3.secretAccessKey: must be at least 8 characters${at(4)}`,
        `projects[0].git.token: \${A_TOKEN}: the environment variable A_TOKEN is not set (or is empty)${at(5)}`,
      ],
    ],
    [
      'projects in each other’s way, naming both',
      `projects:
  - { bucket: aaa, dataset: data/a, git: { url: "https://git.example.com/team/shared.git" }, s3: { accessKeyId: AKIAA, secretAccessKey: secret-a-123 } }
  - { bucket: bbb, dataset: data/a/b, git: { url: "https://Git.Example.com/team/shared/" } }
  - { bucket: aaa, dataset: data/c }
  - { bucket: ddd, dataset: data/d, s3: { accessKeyId: AKIAA, secretAccessKey: secret-d-123 } }
  - { bucket: eee, dataset: data/e, s3: { accessKeyId: GLOBALKEY, secretAccessKey: secret-e-123 } }
`,
      { S3_ACCESS_KEY_ID: 'GLOBALKEY', S3_SECRET_ACCESS_KEY: 'global-secret' },
      [
        `projects[1]: commits to the same repository and branch as projects[0] (bucket aaa), with a dataset path inside the other: each would overwrite the other's dataset; give one another branch (git.branch) or a dataset path apart${at(3)}`,
        `projects[2].bucket: the same bucket as projects[0] (bucket aaa): each project needs a bucket of its own${at(4)}`,
        `projects[3].s3.accessKeyId: the same access key id as projects[0] (bucket aaa): a key pair is for one project's bucket only${at(5)}`,
        `projects[4].s3.accessKeyId: is S3_ACCESS_KEY_ID, the pair of the projects without their own: a key pair given to a project is for its bucket only${at(6)}`,
      ],
    ],
    [
      'the problems of every project, one project being broken',
      `projects:
  - { bucket: aaa, dataset: data/a, git: { url: "ssh://git.example.com/a.git" } }
  - { bucket: bbb }
  - { bucket: ccc, dataset: data/c }
  - { bucket: ccc, dataset: data/d }
`,
      {},
      [
        `projects[0].git.url: must be an http(s) URL (ssh is not supported: use an https URL with a user name and token)${at(2)}`,
        `projects[1].dataset: is required (here or in defaults): the path of the dataset in the repository, e.g. data/annotations.json${at(3)}`,
        `projects[3].bucket: the same bucket as projects[2] (bucket ccc): each project needs a bucket of its own${at(5)}`,
      ],
    ],
    [
      'a bucket taken from the environment is not shown',
      `projects:
  - { bucket: "\${BUCKET}", dataset: data/a }
  - { bucket: other, dataset: data/b }
  - { bucket: "\${BUCKET}", dataset: data/c }
`,
      { BUCKET: 'hidden-bucket' },
      [`projects[2].bucket: the same bucket as projects[0]: each project needs a bucket of its own${at(4)}`],
    ],
    [
      'a file that is not a mapping',
      `- bucket: aaa
`,
      {},
      ['the file must be a mapping with projects: (and optionally defaults:)'],
    ],
    ['an empty file', '# nothing yet\n', {}, ['the file must be a mapping with projects: (and optionally defaults:)']],
  ])('%s', (_name, text, env, problems) => {
    expect(problemsOf(text, env)).toEqual(problems);
  });

  it('names the file in the heading of the error', () => {
    const error = failureOf(() => load('projects: []\n', {}, 'named.yaml'));
    expect(error.message).toBe(
      `Invalid projects file ${join(dir, 'named.yaml')} (PROJECTS_FILE): fix these entries:\n` +
        `  - projects: is empty: declare at least one project${at(1)}`,
    );
  });

  it('never shows a secret, whether written in the file or taken from the environment', () => {
    const env = {
      TOKEN: 'token-from-the-environment',
      S3_ACCESS_KEY_ID: 'GLOBALKEY',
      S3_SECRET_ACCESS_KEY: 'x'.repeat(8),
    };
    const error = failureOf(() =>
      load(
        `projects:
  - bucket: aaa
    dataset: data/a
    s3: { accessKeyId: "bad key", secretAccessKey: "written-secret" }
    git: { url: "https://bot:\${TOKEN}@git.example.com/x y", token: "\${TOKEN}" }
    dvc: { secretAccessKey: { nested: written-remote-secret } }
`,
        env,
      ),
    );
    expect(error.problems).toHaveLength(3);
    for (const secret of ['token-from-the-environment', 'written-secret', 'written-remote-secret', 'bad key']) {
      expect(error.message).not.toContain(secret);
    }
  });
});

describe('loadProjectsFile: a file that cannot be read or parsed', () => {
  it.each<[string, string, string]>([
    ['an unclosed flow sequence', 'projects:\n  - bucket: aaa\n    dataset: [data/a\n', 'line 4, column 1: '],
    [
      'a key written twice',
      'projects:\n  - bucket: aaa\n    bucket: bbb\n',
      'line 3, column 5: Map keys must be unique',
    ],
    [
      'a mapping where a value belongs',
      'projects:\n  - bucket: aaa: b\n',
      'line 2, column 13: Nested mappings are not allowed in compact mappings',
    ],
    ['two documents', 'projects: []\n---\nprojects: []\n', 'line 2, column 1: a second YAML document (---)'],
    ['broken JSON', '{"projects": [{"bucket": "a",}', 'line 1, column '],
  ])('%s: the file and the line', (_name, text, expected) => {
    const file = join(dir, `broken-${files++}.yaml`);
    writeFileSync(file, text);
    const error = failureOf(() =>
      loadProjectsFile({ file, dataDir: '/d', environment: validateEnvironment({}), remoteOptions: {}, variables: {} }),
    );
    expect(error.message).toContain(`The projects file ${file} (PROJECTS_FILE) is not valid YAML (or JSON):\n  - `);
    expect(error.problems[0].startsWith(expected)).toBe(true);
  });

  it('does not print the excerpt of a line the parser shows (it may hold a secret)', () => {
    const error = failureOf(() => load('projects:\n  - { bucket: aaa, s3: { secretAccessKey: "hunter2-secret" }\n'));
    expect(error.message).not.toContain('hunter2-secret');
  });

  it.each<[string, () => string, string]>([
    ['a missing file', () => join(dir, 'nowhere.yaml'), 'there is no such file'],
    ['a folder', () => dir, 'it is a folder'],
  ])('%s', (_name, path, why) => {
    const file = path();
    const error = failureOf(() =>
      loadProjectsFile({ file, dataDir: '/d', environment: validateEnvironment({}), remoteOptions: {}, variables: {} }),
    );
    expect(error.problems).toEqual([`PROJECTS_FILE=${file} cannot be read: ${why}`]);
  });
});
