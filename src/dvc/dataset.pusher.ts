import type { Checkpoint } from '../common/crash.checkpoint.js';
import { hashedSource, type DvcRemote, type ObjectSource, type StagedObject } from './dvc.remote.js';
import { DvcPushError } from './dvc-push.error.js';

/** One file object of a dataset version, opened only when its upload starts. */
export interface PushFile {
  /** md5 of the bytes */
  hash: string;
  source: ObjectSource;
  size?: number;
}

/** Stored objects offered for a push (md5 → source: `DatasetLayout.ours`), as the push takes them. */
export function offeredFiles(offered: ReadonlyMap<string, ObjectSource>): PushFile[] {
  return [...offered].map(([hash, source]) => ({ hash, source }));
}

/** The DVC objects of one dataset version. */
export interface DatasetObjects {
  /** File objects this push offers (for a directory: the changed files; for a single-file output: the file). */
  files: readonly PushFile[];
  /**
   * The `.dir` listing of a directory output: uploaded last. `hashed`: `hash` was computed from `content` in this
   * process and `content` never changes (`DirListing.toDirObject`), so the remote need not hash it again. `staged`:
   * the remote has been writing `content` since before its hash was known (`DvcRemote.stage`); the push names it
   * or discards it.
   */
  dirObject?: { hash: string; content: Buffer; hashed?: true; staged?: StagedObject };
}

export interface PushResult<M = undefined> {
  /** Ids uploaded, those `options.ahead` uploaded first and the `.dir` (if any) last. */
  uploaded: string[];
  /** How many of the objects this call asked about (not those `options.ahead` found) the remote already had. */
  alreadyThere: number;
  /** What `options.meanwhile` returned. */
  meanwhile: M;
}

export interface PushOptions<M> {
  /** Files the dataset lists that this push does not offer (a teammate's, brought in by a merge): checked. */
  mustExist?: readonly string[];
  /** What `uploadAhead` did with the offered files: those it left on the remote are not asked about again. */
  ahead?: UploadedAhead;
  checkpoint?: Checkpoint;
  /**
   * Work that does not depend on the `.dir` being on the remote (the flush builds its commit), started once every
   * file object is durable and run while the `.dir` is written (or, staged, renamed) and made durable, which the
   * commit's own fsyncs then overlap. Nothing it makes may be published before this push resolves (the git push
   * waits for it: invariant 2).
   */
  meanwhile?: () => Promise<M>;
}

/** Offered files uploaded before their version was built (`uploadAhead`). */
export interface UploadedAhead {
  /** Uploaded then. */
  uploaded: readonly string[];
  /** On the remote then, found or uploaded (durable, unless that failed: `pushDataset` syncs again and says so). */
  present: ReadonlySet<string>;
}

/**
 * Uploads the changed files of a version still being built, and makes them durable (`syncUploads`): the flush builds
 * the `.dir` listing and hashes it meanwhile, which is CPU on this thread, while the uploads and fsyncs wait on the
 * disk or the network (at 100,000 files, ~20 ms of each). Uploading a file object early is safe: it is named by its
 * hash, and nothing names it (the `.dir`, a commit) before `pushDataset` has made sure it is durable. Never rejects:
 * `pushDataset` asks about and uploads again whatever failed here, syncs again, and reports what fails then. Not for
 * a version that a merge made: `pushDataset` first checks the teammate's files, and uploads nothing when one is
 * missing.
 */
export async function uploadAhead(remote: DvcRemote, files: readonly PushFile[]): Promise<UploadedAhead> {
  if (files.length === 0) return { uploaded: [], present: new Set() };
  try {
    const missing = await remote.missing(files.map((file) => file.hash));
    const toUpload = files.filter((file) => missing.has(file.hash));
    const { uploaded } = await uploadEach(remote, toUpload);
    await remote.syncUploads().catch(() => {}); // what failed stays to do for pushDataset's own syncUploads
    const present = new Set(uploaded);
    for (const file of files) if (!missing.has(file.hash)) present.add(file.hash);
    return { uploaded, present };
  } catch {
    return { uploaded: [], present: new Set() };
  }
}

/** `remote.uploadParallelism` uploads at a time; what fails is collected, not thrown. */
async function uploadEach(
  remote: DvcRemote,
  files: readonly PushFile[],
): Promise<{ uploaded: string[]; failed: { hash: string; error: Error }[] }> {
  const uploaded: string[] = [];
  const failed: { hash: string; error: Error }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const file = files[next++];
      try {
        await remote.upload(file.hash, file.source, file.size);
        uploaded.push(file.hash);
      } catch (error) {
        failed.push({ hash: file.hash, error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
  };
  const parallelism = remote.uploadParallelism(files.map((file) => file.source));
  await Promise.all(Array.from({ length: Math.min(parallelism, files.length) }, worker));
  return { uploaded, failed };
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
export async function pushDataset<M = undefined>(
  remote: DvcRemote,
  dataset: DatasetObjects,
  options: PushOptions<M> = {},
): Promise<PushResult<M>> {
  try {
    return await pushInOrder(remote, dataset, options);
  } finally {
    await dataset.dirObject?.staged?.discard(); // whatever the push did with them; named bytes stay
  }
}

/** `pushDataset` but for the staged `.dir`'s discard, which it leaves to its caller's `finally`. */
async function pushInOrder<M>(
  remote: DvcRemote,
  dataset: DatasetObjects,
  options: PushOptions<M>,
): Promise<PushResult<M>> {
  const byHash = new Map(dataset.files.map((file) => [file.hash, file])); // identical files are one object
  const mustExist = (options.mustExist ?? []).filter((hash) => !byHash.has(hash));
  const dirId = dataset.dirObject?.hash;
  const present = options.ahead?.present;
  const offered = present ? [...byHash.keys()].filter((hash) => !present.has(hash)) : byHash.keys();
  const asked = [...new Set([...offered, ...mustExist, ...(dirId ? [dirId] : [])])];
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
  const { uploaded, failed } = await uploadEach(remote, toUpload);
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
  const dir = dataset.dirObject && missing.has(dataset.dirObject.hash) ? dataset.dirObject : undefined;
  const uploadDir = async () => {
    if (!dir) return;
    if (dir.staged) {
      await dir.staged.commit(dir.hash);
    } else {
      const source = dir.hashed ? hashedSource(dir.content) : () => dir.content;
      await remote.upload(dir.hash, source, dir.content.length);
    }
    uploaded.push(dir.hash);
    options.checkpoint?.('dir-uploaded');
  };
  const [dirUpload, meanwhile] = await Promise.allSettled([
    uploadDir(),
    options.meanwhile ? options.meanwhile() : Promise.resolve(undefined as M),
  ]);
  if (dirUpload.status === 'rejected') throw dirUpload.reason;
  if (meanwhile.status === 'rejected') throw meanwhile.reason;
  const alreadyThere = asked.length - uploaded.length;
  return { uploaded: [...(options.ahead?.uploaded ?? []), ...uploaded], alreadyThere, meanwhile: meanwhile.value };
}
