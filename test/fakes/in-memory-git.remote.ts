import { createHash } from 'node:crypto';
import {
  GitRemote,
  type CommitRequest,
  type FileChange,
  type GitRemoteDescription,
  type GitTip,
  type PushResult,
} from '../../src/git/git.remote.js';
import { GitRemoteError } from '../../src/git/git-remote.error.js';
import { editTree, type TreeEntry } from '../../src/git/tree.editor.js';
import { MemoryTreeStore } from './memory-tree.store.js';

interface Commit {
  tree: string;
  parent: string | null;
  message: string;
}

/**
 * A GitRemote with one branch held in memory, for the sync engine's unit tests. Same observable rules as
 * the real ones: trees are edited by the product's own `editTree` (same path checks, same "no empty
 * commit"), a commit must be built on a fetched commit, and a push that is not a fast-forward of the
 * branch is refused with `non-fast-forward`. A teammate's push is simulated with `teammatePush`.
 */
export class InMemoryGitRemote extends GitRemote {
  private readonly store = new MemoryTreeStore();
  private readonly commits = new Map<string, Commit>();
  /** Commits this side has seen (fetched or written): like the local cache of the real remote. */
  private readonly local = new Set<string>();
  private branchTip: string | null = null;
  private counter = 0;
  private failures: Array<{ op: 'fetch' | 'push'; error: Error }> = [];
  private beforePush?: () => Promise<unknown>;

  constructor(
    private readonly where: GitRemoteDescription = { url: 'memory://team.git', branch: 'main', embedded: false },
  ) {
    super();
  }

  /** A remote whose branch holds `files` in one commit; `new InMemoryGitRemote()` is an empty repository. */
  static async withFiles(files: Record<string, string>, where?: GitRemoteDescription): Promise<InMemoryGitRemote> {
    const remote = new InMemoryGitRemote(where);
    await remote.teammatePush(files, 'Initial commit');
    return remote;
  }

  // ----- the GitRemote contract

  async fetchTip(): Promise<GitTip | null> {
    this.failIfAsked('fetch');
    if (this.branchTip === null) return null;
    this.local.add(this.branchTip);
    return { commit: this.branchTip, tree: this.commit(this.branchTip).tree };
  }

  async readFile(commit: string, path: string): Promise<Buffer | undefined> {
    if (!this.local.has(commit))
      throw new GitRemoteError('invalid', `cannot read '${path}' of ${commit}: that commit was not fetched`);
    let oid = this.commit(commit).tree;
    for (const name of path.split('/')) {
      const entry = (await this.store.readTree(oid)).find((e) => e.path === name);
      if (!entry) return undefined;
      oid = entry.oid;
    }
    const object = this.store.objects.get(oid);
    if (!Buffer.isBuffer(object)) throw new GitRemoteError('invalid', `cannot read '${path}' of ${commit}: not a file`);
    return Buffer.from(object);
  }

  async commitChanges({ parent, changes, message }: CommitRequest): Promise<string | null> {
    if (parent !== null && !this.local.has(parent)) {
      throw new GitRemoteError(
        'invalid',
        `cannot commit on ${parent}: that commit was not fetched (call fetchTip first)`,
      );
    }
    const base = parent === null ? null : this.commit(parent).tree;
    const tree = await editTree(this.store, base, changes);
    if (tree === base || (base === null && (await this.store.readTree(tree)).length === 0)) return null;
    const id = this.newId(tree, parent, message);
    this.commits.set(id, { tree, parent, message });
    this.local.add(id);
    return id;
  }

  async push(commit: string): Promise<PushResult> {
    this.failIfAsked('push');
    const race = this.beforePush;
    this.beforePush = undefined;
    await race?.();
    if (!this.commits.has(commit)) throw new GitRemoteError('invalid', `cannot push ${commit}: no such commit`);
    if (this.branchTip !== null && this.branchTip !== commit && !this.descends(commit, this.branchTip)) {
      return { ok: false, reason: 'non-fast-forward' };
    }
    this.branchTip = commit;
    return { ok: true };
  }

  describe(): GitRemoteDescription {
    return this.where;
  }

  async check(): Promise<{ ok: boolean; error?: string }> {
    const failure = this.failures.find((f) => f.op === 'fetch');
    return failure ? { ok: false, error: failure.error.message } : { ok: true };
  }

  // ----- what a test does and sees

  /** A teammate commits `files` (null = delete) on the branch's current tip and pushes: the branch moves. */
  async teammatePush(files: Record<string, string | null>, message = 'Teammate commit'): Promise<string> {
    const parent = this.branchTip;
    const changes: FileChange[] = Object.entries(files).map(([path, c]) => ({
      path,
      content: c === null ? null : Buffer.from(c),
    }));
    const tree = await editTree(this.store, parent === null ? null : this.commit(parent).tree, changes);
    const id = this.newId(tree, parent, message);
    this.commits.set(id, { tree, parent, message });
    this.branchTip = id;
    return id;
  }

  /** The teammate pushes right when our next push starts (after our fetch and commit). */
  teammatePushesBeforeNextPush(files: Record<string, string | null>, message = 'Teammate commit'): void {
    this.beforeNextPush(() => this.teammatePush(files, message));
  }

  /** Runs `action` right when our next push starts (after our fetch and commit), e.g. a PUT landing mid-flush. */
  beforeNextPush(action: () => Promise<unknown>): void {
    this.beforePush = action;
  }

  /** The next `op` rejects with `error` (once); `check` reports it while a fetch failure is pending. */
  failNext(
    op: 'fetch' | 'push',
    error: Error = new GitRemoteError('unreachable', 'cannot reach the git server at memory://team.git: ECONNREFUSED'),
  ): void {
    this.failures.push({ op, error });
  }

  get tip(): string | null {
    return this.branchTip;
  }

  /** Every file on the branch (or at `commit`), path → UTF-8 content. */
  files(commit: string | null = this.branchTip): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (oid: string, prefix: string) => {
      for (const e of this.store.objects.get(oid) as TreeEntry[]) {
        if (e.type === 'tree') walk(e.oid, `${prefix}${e.path}/`);
        else out[prefix + e.path] = (this.store.objects.get(e.oid) as Buffer).toString('utf8');
      }
    };
    if (commit !== null) walk(this.commit(commit).tree, '');
    return out;
  }

  /** Commit messages of the branch, newest first. */
  log(): string[] {
    const out: string[] = [];
    for (let id = this.branchTip; id !== null; id = this.commit(id).parent) out.push(this.commit(id).message);
    return out;
  }

  // ----- internals

  private commit(id: string): Commit {
    const found = this.commits.get(id);
    if (!found) throw new GitRemoteError('invalid', `no commit ${id}`);
    return found;
  }

  private descends(commit: string, ancestor: string): boolean {
    for (let id = this.commit(commit).parent; id !== null; id = this.commit(id).parent)
      if (id === ancestor) return true;
    return false;
  }

  private newId(tree: string, parent: string | null, message: string): string {
    this.counter += 1; // like a timestamp: the same change twice is two commits
    return createHash('sha1').update(`${tree}\n${parent}\n${message}\n${this.counter}`).digest('hex');
  }

  private failIfAsked(op: 'fetch' | 'push'): void {
    const index = this.failures.findIndex((f) => f.op === op);
    if (index >= 0) throw this.failures.splice(index, 1)[0].error;
  }
}
