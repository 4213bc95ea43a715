import type { DvcRemote } from '../dvc/dvc.remote.js';
import { pushObjects } from '../dvc/object.pusher.js';
import type { MaterializedDataset } from './dataset-strategy.types.js';

/**
 * Puts the dataset's objects on the remote, `.dir` last (architecture invariant 2). Cost O(changes): only
 * the objects this flush offers are checked and uploaded; files the `.dir` lists that we pushed before are
 * known to be there, and a teammate's files (`mustExist`, after a merge) are checked, never assumed.
 */
export async function pushDataset(
  remote: DvcRemote,
  dataset: MaterializedDataset,
  mustExist: readonly string[],
): Promise<number> {
  const { uploaded } = await pushObjects(remote, dataset.files);
  if (!dataset.dirObject) return uploaded.length;
  const missing = await remote.missing([...mustExist, dataset.dirObject.hash]);
  const absent = mustExist.filter((id) => missing.has(id));
  if (absent.length > 0) {
    throw new Error(
      `the merged dataset lists ${absent.length} files that are not on ${remote.describe()} (first: ${absent[0]}): a teammate committed without 'dvc push'`,
    );
  }
  if (missing.has(dataset.dirObject.hash)) {
    const { content } = dataset.dirObject;
    await remote.upload(dataset.dirObject.hash, () => content, content.length);
    return uploaded.length + 1;
  }
  return uploaded.length;
}
