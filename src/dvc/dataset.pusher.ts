import type { Checkpoint } from '../common/crash.checkpoint.js';
import type { DvcRemote, ObjectSource } from './dvc.remote.js';
import { DvcPushError } from './dvc-push.error.js';

/** One file object of a dataset version, opened only when its upload starts. */
export interface PushFile {
  /** md5 of the bytes */
  hash: string;
  source: ObjectSource;
  size?: number;
}

/** The DVC objects of one dataset version. */
export interface DatasetObjects {
  /** File objects this push offers (for a directory: the changed files; for a single-file output: the file). */
  files: readonly PushFile[];
  /** The `.dir` listing of a directory output: uploaded last. */
  dirObject?: { hash: string; content: Buffer };
}

export interface PushResult {
  /** Ids uploaded now, the `.dir` (if any) last. */
  uploaded: string[];
  /** How many of the objects asked about the remote already had. */
  alreadyThere: number;
}

/**
 * The one push order that is safe (docs/architecture.md, invariant 2): every file object first, then the `.dir`,
 * and that only once all files are on the remote and durable there. DVC takes a `.dir` on a remote as proof that all
 * its files are there (dvc-data's `compare_status` skips the entries of a present `.dir`), so an early `.dir` would
 * hide a missing file forever.
 *
 * Cost O(changes): only the offered files are looked up and uploaded; files the `.dir` lists that were pushed before
 * are known to be there. Files a merge brought in from a teammate (`mustExist`) are checked, never assumed: when one
 * is missing nothing is uploaded (they committed without `dvc push`).
 */
export async function pushDataset(
  remote: DvcRemote,
  dataset: DatasetObjects,
  options: { mustExist?: readonly string[]; checkpoint?: Checkpoint } = {},
): Promise<PushResult> {
  const byHash = new Map(dataset.files.map((file) => [file.hash, file])); // identical files are one object
  const mustExist = (options.mustExist ?? []).filter((hash) => !byHash.has(hash));
  const dirId = dataset.dirObject?.hash;
  const asked = [...new Set([...byHash.keys(), ...mustExist, ...(dirId ? [dirId] : [])])];
  const missing = await remote.missing(asked);
  const absent = mustExist.filter((hash) => missing.has(hash));
  if (absent.length > 0) {
    throw new DvcPushError(
      `the dataset lists ${absent.length} files that are not on ${remote.describe()} (first: ${absent[0]}): ` +
        `a teammate committed without 'dvc push'; nothing uploaded`,
      absent.map((hash) => ({ hash, error: new Error('not on the remote and not given') })),
    );
  }
  const toUpload = [...byHash.values()].filter((file) => missing.has(file.hash));
  const uploaded: string[] = [];
  const failed: { hash: string; error: Error }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < toUpload.length) {
      const file = toUpload[next++];
      try {
        await remote.upload(file.hash, file.source, file.size);
        uploaded.push(file.hash);
      } catch (error) {
        failed.push({ hash: file.hash, error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(remote.uploadParallelism, toUpload.length) }, worker));
  // Durable before the .dir and before any commit can reference them; after a partial failure too, or a later
  // push could find them "there" and commit them.
  await remote.syncUploads().catch((error: unknown) => {
    if (failed.length === 0) throw error;
  });
  if (failed.length > 0) {
    const what = dirId ? `; ${dirId} not uploaded` : '';
    throw new DvcPushError(
      `${failed.length} of ${toUpload.length} objects could not be uploaded to ${remote.describe()}${what}: ${failed[0].error.message}`,
      failed,
    );
  }
  options.checkpoint?.('objects-uploaded');
  if (dataset.dirObject && missing.has(dataset.dirObject.hash)) {
    const { hash, content } = dataset.dirObject;
    await remote.upload(hash, () => content, content.length);
    uploaded.push(hash);
    options.checkpoint?.('dir-uploaded');
  }
  return { uploaded, alreadyThere: asked.length - uploaded.length };
}
