/** A commit the sync engine builds on, with its root tree (equal trees = equal content). */
export interface GitTip {
  commit: string;
  tree: string;
}

/** One path of the repository to write (`content`) or remove (`null`). Paths are posix, relative, no `..`. */
export interface FileChange {
  path: string;
  content: Buffer | null;
}

export interface CommitRequest {
  /** The tip the changes apply to; null only for the first commit of an empty repository. */
  parent: string | null;
  changes: FileChange[];
  message: string;
}

/**
 * `non-fast-forward`: the branch moved since `fetchTip` (a teammate pushed): fetch again and rebuild.
 * Any other reason is the server's own words (a protected branch, a hook that declined…).
 */
export type PushResult = { ok: true } | { ok: false; reason: 'non-fast-forward' | (string & {}) };

export interface GitRemoteDescription {
  /** Where the dataset is versioned, without credentials (an https URL, or the embedded repo's path). */
  url: string;
  branch: string;
  /** True for the bare repository under DATA_DIR that is used when GIT_REPO_URL is unset. */
  embedded: boolean;
}

/**
 * The git seam (DI token; fake: test/fakes/in-memory-git.remote.ts). Object-level operations on the
 * configured branch only: there is never a work tree or an index, so a commit changes exactly the paths
 * it is given and every other file of the team's branch stays as it was (docs/dvc-format.md, "Git side").
 *
 * Failures to reach or authenticate against the remote reject with a `GitRemoteError` whose message says
 * what to fix and never contains a credential.
 */
export abstract class GitRemote {
  /**
   * The branch tip, fetched. When the branch does not exist yet: the tip of GIT_BASE_BRANCH or of the
   * remote's default branch (the first push creates the branch there). Null when the repository is empty.
   */
  abstract fetchTip(): Promise<GitTip | null>;

  /** A file's bytes at a fetched (or locally written) commit; undefined when the path does not exist. */
  abstract readFile(commit: string, path: string): Promise<Buffer | undefined>;

  /**
   * Writes a commit whose tree is the parent's with only `changes` applied; resolves its id, or null when
   * the tree would equal the parent's (no empty commits). Nothing is sent anywhere until `push`.
   */
  abstract commitChanges(request: CommitRequest): Promise<string | null>;

  /** Moves the remote branch to `commit` if that is a fast-forward. */
  abstract push(commit: string): Promise<PushResult>;

  abstract describe(): GitRemoteDescription;

  /** For health: can the remote be reached (and, over http, do the credentials work)? */
  abstract check(): Promise<{ ok: boolean; error?: string }>;
}
