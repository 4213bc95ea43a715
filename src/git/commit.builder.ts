import type { CommitRequest } from './git.remote.js';
import type { GitObjects, Signature } from './git-objects.adapter.js';
import { GitRemoteError } from './git-remote.error.js';
import { editTree } from './tree.editor.js';

/**
 * The commit for `request`: the parent's tree with only the requested paths changed, written with our
 * identity as author and committer. Null when the tree would not change (git allows empty commits;
 * a dataset history full of them would be noise), and for a first commit that would hold nothing.
 */
export async function buildCommit(
  objects: GitObjects,
  request: CommitRequest,
  author: Signature,
  when: Date = new Date(),
): Promise<string | null> {
  let baseTree: string | null = null;
  if (request.parent !== null) {
    if (!(await objects.hasCommit(request.parent))) {
      throw new GitRemoteError(
        'invalid',
        `cannot commit on ${request.parent}: that commit was not fetched (call fetchTip first)`,
      );
    }
    baseTree = await objects.treeOf(request.parent);
  }
  const tree = await editTree(objects, baseTree, request.changes);
  if (tree === baseTree) return null;
  if (baseTree === null && (await objects.readTree(tree)).length === 0) return null;
  // git (and `git log`) expect a message that ends with a newline.
  const message = request.message.endsWith('\n') ? request.message : `${request.message}\n`;
  return objects.writeCommit({ tree, parents: request.parent ? [request.parent] : [], message, author, when });
}
