import { durableFs as fs } from './durable-fs.adapter.js';
import git from 'isomorphic-git';
import { GitRemoteError } from './git-remote.error.js';
import type { TreeEntry, TreeStore } from './tree.editor.js';

export interface Signature {
  name: string;
  email: string;
}

/**
 * Objects and refs of one bare repository on disk, through isomorphic-git. Only object-level calls:
 * `readTree`/`writeTree`/`writeBlob`/`writeCommit` never look at an index or a work tree, which is what
 * keeps a commit from dropping the team's files (docs/dvc-format.md, "Git side"). No decisions here.
 */
export class GitObjects implements TreeStore {
  /** isomorphic-git's pack index cache: without it every read re-parses every pack. */
  private readonly cache = {};

  constructor(readonly gitdir: string) {}

  async readTree(oid: string): Promise<TreeEntry[]> {
    const { tree } = await git.readTree({ fs, gitdir: this.gitdir, oid, cache: this.cache });
    return tree;
  }

  writeTree(entries: TreeEntry[]): Promise<string> {
    return git.writeTree({ fs, gitdir: this.gitdir, tree: entries });
  }

  writeBlob(content: Buffer): Promise<string> {
    return git.writeBlob({ fs, gitdir: this.gitdir, blob: content });
  }

  async treeOf(commit: string): Promise<string> {
    const { commit: parsed } = await git.readCommit({ fs, gitdir: this.gitdir, oid: commit, cache: this.cache });
    return parsed.tree;
  }

  /**
   * The blob at `path` in `commit`; undefined when no such path. Throws when the path is a folder, and
   * when the commit itself is unknown (a missing commit is a bug, not a missing file).
   */
  async readFile(commit: string, path: string): Promise<Buffer | undefined> {
    try {
      const { blob } = await git.readBlob({ fs, gitdir: this.gitdir, oid: commit, filepath: path, cache: this.cache });
      return Buffer.from(blob);
    } catch (error) {
      const { code, data } = error as { code?: string; data?: { expected?: string; filepath?: string } };
      // `a/b` where `a` is a file: there is no such path.
      if (code === 'ObjectTypeError' && data?.expected === 'tree' && data.filepath) return undefined;
      if (code === 'ObjectTypeError' || code === 'InvalidFilepathError') {
        throw new GitRemoteError('invalid', `cannot read '${path}' of ${commit}: not a file`);
      }
      if (code !== 'NotFoundError') throw error;
      if (!(await this.hasCommit(commit)))
        throw new GitRemoteError('invalid', `cannot read '${path}' of ${commit}: that commit was not fetched`);
      return undefined;
    }
  }

  /**
   * A commit object with these parents. A parent may be absent locally (the boundary of a shallow fetch):
   * git only names it by id, and the server has it.
   */
  writeCommit(input: {
    tree: string;
    parents: string[];
    message: string;
    author: Signature;
    when: Date;
  }): Promise<string> {
    const person = {
      ...input.author,
      timestamp: Math.floor(input.when.getTime() / 1000),
      timezoneOffset: input.when.getTimezoneOffset(),
    };
    return git.writeCommit({
      fs,
      gitdir: this.gitdir,
      commit: { tree: input.tree, parent: input.parents, author: person, committer: person, message: input.message },
    });
  }

  /** The commit a ref points to, or undefined when the ref does not exist. */
  async resolve(ref: string): Promise<string | undefined> {
    try {
      return await git.resolveRef({ fs, gitdir: this.gitdir, ref });
    } catch (error) {
      if ((error as { code?: string }).code === 'NotFoundError') return undefined;
      throw error;
    }
  }

  hasCommit(oid: string): Promise<boolean> {
    return git.readCommit({ fs, gitdir: this.gitdir, oid, cache: this.cache }).then(
      () => true,
      () => false,
    );
  }

  /** Is `ancestor` reachable from `commit`'s parents (the whole local history is searched)? */
  isDescendent(commit: string, ancestor: string): Promise<boolean> {
    return git.isDescendent({ fs, gitdir: this.gitdir, oid: commit, ancestor, depth: -1, cache: this.cache });
  }

  writeRef(ref: string, value: string): Promise<void> {
    return git.writeRef({ fs, gitdir: this.gitdir, ref, value, force: true });
  }
}
