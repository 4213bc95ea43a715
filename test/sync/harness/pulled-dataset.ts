import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cloneAndPull, readTree, syncState, tempRoot } from '../../dvc/dvc-repo.harness.js';
import { parseDatasetFile, type DatasetTask } from './label-studio-bodies.js';

/** A data scientist's checkout after `git clone <repo>` + `dvc pull` (with `config.local` for remote keys). */
export interface PulledCheckout {
  dir: string;
  /** relpath → bytes of every file of a directory dataset. */
  directory(datasetPath: string): Record<string, Buffer>;
  /** The tasks of a `.json` / `.jsonl` dataset, and its raw text. */
  tasks(datasetPath: string): { tasks: DatasetTask[]; text: string };
  /** `dvc status -c`, `dvc data status` and `git status` of the checkout: all empty when in sync. */
  syncState(): ReturnType<typeof syncState>;
}

export async function gitCloneAndDvcPull(repo: string, configLocal?: string): Promise<PulledCheckout> {
  const dir = await cloneAndPull(repo, join(tempRoot('sync-clone'), 'work'), configLocal);
  return {
    dir,
    directory: (datasetPath) => readTree(join(dir, datasetPath)),
    tasks: (datasetPath) => {
      const content = readFileSync(join(dir, datasetPath));
      return {
        tasks: parseDatasetFile(content, datasetPath.endsWith('.jsonl') ? 'jsonl' : 'json'),
        text: content.toString('utf8'),
      };
    },
    syncState: () => syncState(dir),
  };
}

/** What `syncState` answers for a checkout whose data, cache, remote and git all agree. */
export const IN_SYNC = { cloudStatus: {}, dataStatus: {}, gitStatus: '' };

/** `.dvc/config.local` of a data scientist: the S3 keys of the remote, kept out of git. */
export function s3ConfigLocal(remoteName: string, keys: { accessKeyId: string; secretAccessKey: string }): string {
  return `['remote "${remoteName}"']\n    access_key_id = ${keys.accessKeyId}\n    secret_access_key = ${keys.secretAccessKey}\n`;
}
