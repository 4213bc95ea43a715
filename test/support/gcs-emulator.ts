import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tempRoot } from '../dvc/dvc-repo.harness.js';
import { freePort } from './free-port.js';
import { startLoopbackProcess } from './loopback-server.js';
import { toolPaths } from './tools.js';

/** gcp-storage-emulator (the GCS JSON API, PyPI, pinned venv) on 127.0.0.1 with one bucket; objects are plain files. */
export interface GcsEmulator {
  port: number;
  endpoint: string;
  bucket: string;
  /** Object names under `prefix`, read from the emulator's folder. */
  list(prefix: string): string[];
  stop(): Promise<void>;
}

export async function startGcsEmulator(bucket = 'dvcbucket'): Promise<GcsEmulator> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const dir = tempRoot('gcs');
  const server = await startLoopbackProcess(
    'gcp-storage-emulator',
    toolPaths().gcsEmulator,
    ['-d', dir, 'start', '--host', '127.0.0.1', '--port', String(port), '--default-bucket', bucket],
    async () => (await fetch(`${endpoint}/storage/v1/b/${bucket}`)).ok,
  );
  const bucketDir = join(dir, '.cloudstorage', bucket);
  const walk = (folder: string): string[] => {
    try {
      return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? walk(join(folder, entry.name)) : [relative(bucketDir, join(folder, entry.name))],
      );
    } catch {
      return [];
    }
  };
  return {
    port,
    endpoint,
    bucket,
    list: (prefix) => walk(bucketDir).filter((name) => name.startsWith(prefix) && !name.endsWith('.meta')),
    stop: () => server.stop(),
  };
}
