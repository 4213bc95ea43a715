import { describe, expect, it } from '@jest/globals';
import { getMetadataStorage } from 'class-validator';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectDvcRemoteOptions, EnvironmentVariables, validateEnvironment } from './env.schema.js';
import { loadProjectsFile } from './projects-file.loader.js';
import { DvcSection, GitSection, ProjectEntry, S3Section, SyncSection } from './projects-file.schema.js';

const fieldsOf = (type: new () => object) => [
  ...new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(type, '', true, false)
      .map((metadata) => metadata.propertyName),
  ),
];
const SECTIONS: Record<string, new () => object> = {
  s3: S3Section,
  git: GitSection,
  dvc: DvcSection,
  sync: SyncSection,
};

/** Every field a project may set, by its path in the file; `dvc.<option>` stands for the DVC remote options. */
const fields = fieldsOf(ProjectEntry)
  .flatMap((name) => (SECTIONS[name] ? fieldsOf(SECTIONS[name]).map((field) => `${name}.${field}`) : [name]))
  .concat('dvc.<option>')
  .sort();

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const start = readme.indexOf('## Many projects');
const section = readme.slice(start, readme.indexOf('\n## ', start + 1));

describe('README "Many projects"', () => {
  it('exists', () => {
    expect(start).toBeGreaterThanOrEqual(0);
  });

  it('has one row per field of the projects file, naming the environment setting it mirrors', () => {
    const rows = [...section.matchAll(/^\| `([a-zA-Z0-9.<>]+)` \| `([A-Z0-9_<>]+)` \| ([^|]+) \| ([^|]+) \|$/gm)];
    expect(rows.map((row) => row[1]).sort()).toEqual(fields);
    const settings = new Set(fieldsOf(EnvironmentVariables));
    for (const [, field, setting, meaning] of rows) {
      expect({ field, known: settings.has(setting) || setting === 'DVC_REMOTE_<OPTION>' }).toEqual({
        field,
        known: true,
      });
      expect(meaning.trim().length).toBeGreaterThan(10);
    }
  });

  it('shows an example that loads', () => {
    const example = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toContain('projects:');
    const dir = mkdtempSync(join(tmpdir(), 'readme-projects-'));
    try {
      writeFileSync(join(dir, 'projects.yaml'), example!);
      const env = { SENTIMENT_SECRET: 'sentiment-secret', GIT_TOKEN: 'token' };
      const projects = loadProjectsFile({
        file: join(dir, 'projects.yaml'),
        dataDir: '/data',
        environment: validateEnvironment(env),
        remoteOptions: collectDvcRemoteOptions(env),
        variables: env,
      });
      expect(projects.map((project) => project.bucket)).toEqual(['sentiment', 'ner-news', 'ner-medical', 'trial']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
