import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './processes.js';

export interface BenchProject {
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * `project-01` … with a key pair each, all with the same directory dataset and no scheduled flush, written as a
 * PROJECTS_FILE (JSON is accepted, like YAML) in a temp folder of this run.
 */
export function projectsFile(count: number, dataset: string): { file: string; projects: BenchProject[] } {
  const projects = Array.from({ length: count }, (_, i) => ({
    bucket: `project-${String(i + 1).padStart(2, '0')}`,
    accessKeyId: `AKPROJ${String(i + 1).padStart(3, '0')}${randomBytes(4).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
  }));
  const file = join(tempDir('bench-projects-file-'), 'projects.json');
  const content = {
    defaults: { sync: { intervalSeconds: 86400, maxPending: 1_000_000 } },
    projects: projects.map((p) => ({
      bucket: p.bucket,
      s3: { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey },
      dataset,
    })),
  };
  writeFileSync(file, JSON.stringify(content, null, 2));
  return { file, projects };
}
