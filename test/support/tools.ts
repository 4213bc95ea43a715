import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Paths of the real tools installed by `scripts/test-tools.sh` (run by `npm test`). */
export interface ToolPaths {
  dvc: string;
  python: string; // a Python with boto3 (newest pinned) and moto
  motoServer: string;
  aws: string;
  labelStudio: string;
  /** A Python with s3fs and minio (test/tools/s3-clients.txt). */
  s3ClientsPython: string;
  s3cmd: string;
  gitHttpBackend: string;
  /** test/tools/compose-config: loads a compose file as `docker compose config` does. */
  composeConfig: string;
  /** gcp-storage-emulator (a GCS JSON API server) in its own venv. */
  gcsEmulator: string;
  /** Debian's OpenSSH server, for the SSH/SFTP remote tests. */
  sshd: string;
  /** A Python with fusepy (test/tools/caseless-fs.txt), to run test/tools/caseless-fs/caseless_fs.py. */
  caselessFs: string;
}

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A missing tool is a loud failure, never a skipped test. */
export function toolPaths(): ToolPaths {
  const file = join(repoRoot, 'test', 'tools', '.paths.json');
  if (!existsSync(file)) {
    throw new Error(
      `${file} is missing: run 'bash scripts/test-tools.sh' (npm test does it) to install dvc, boto3, the aws CLI and Label Studio`,
    );
  }
  const paths = JSON.parse(readFileSync(file, 'utf8')) as ToolPaths;
  for (const name of Object.keys(paths) as (keyof ToolPaths)[]) {
    const path = paths[name];
    if (!existsSync(path))
      throw new Error(`test tool '${name}' not found at ${path}: re-run 'bash scripts/test-tools.sh'`);
  }
  return paths;
}
