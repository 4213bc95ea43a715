import { constants } from 'node:fs';
import { access, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import git from 'isomorphic-git';
import { buildCommit } from './commit.builder.js';
import { embeddedSeedFiles, MOVED_MESSAGE, movedSeedRemote, SEED_MESSAGE } from './embedded-repo.seed.js';
import {
  GitRemote,
  type CommitRequest,
  type GitRemoteDescription,
  type GitTip,
  type PushResult,
} from './git.remote.js';
import { durableFs as fs } from './durable-fs.adapter.js';
import { GitObjects, type Signature } from './git-objects.adapter.js';
import { GitRemoteError } from './git-remote.error.js';
import { fsyncDir } from '../common/fsync-dir.js';
import { noCheckpoint, type Checkpoint } from '../common/crash.checkpoint.js';
import { pathExists } from '../common/path-exists.js';

export interface LocalBareGitRemoteOptions {
  /** DATA_DIR/repo.git: created on first use. */
  repoDir: string;
  /** Absolute folder named as the DVC remote in the first commit's `.dvc/config`. */
  dvcRemoteDir: string;
  branch: string;
  baseBranch?: string;
  author: Signature;
  /** The crash tests' fault injection (`push-sent`: the branch moved, the loop not told yet); a no-op otherwise. */
  checkpoint?: Checkpoint;
}

/** What `git init --bare` writes on Linux (isomorphic-git's init claims a case-insensitive, mode-less fs). */
const BARE_CONFIG = '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n';

/** A lock older than this was left by a crash (a ref update takes milliseconds). */
const STALE_LOCK_MS = 60_000;

/**
 * The embedded default (GIT_REPO_URL unset): a bare repository under DATA_DIR that IS the remote.
 * isomorphic-git speaks only http(s), so objects are written straight into it and the branch moves with
 * git's own ref-lock protocol (`<ref>.lock` created exclusively, then renamed over the ref), which also
 * keeps out a concurrent `git push` into the same folder. Users `git clone DATA_DIR/repo.git`.
 */
export class LocalBareGitRemote extends GitRemote {
  private readonly objects: GitObjects;
  private ready?: Promise<void>;

  constructor(private readonly options: LocalBareGitRemoteOptions) {
    super();
    this.objects = new GitObjects(options.repoDir);
  }

  describe(): GitRemoteDescription {
    return { url: this.options.repoDir, branch: this.options.branch, embedded: true };
  }

  async check(): Promise<{ ok: boolean; error?: string }> {
    try {
      await this.ensureRepo();
      await access(join(this.options.repoDir, 'objects'), constants.W_OK);
      return { ok: true };
    } catch (error) {
      return {
        ok: false,
        error: `the embedded git repository ${this.options.repoDir} is not usable: ${(error as Error).message}`,
      };
    }
  }

  async fetchTip(): Promise<GitTip | null> {
    await this.ensureRepo();
    const { branch, baseBranch } = this.options;
    let commit = await this.objects.resolve(`refs/heads/${branch}`);
    if (commit === undefined && baseBranch) {
      commit = await this.objects.resolve(`refs/heads/${baseBranch}`);
      if (commit === undefined) {
        throw new GitRemoteError(
          'not-found',
          `neither branch '${branch}' nor GIT_BASE_BRANCH '${baseBranch}' exists in ${this.options.repoDir}`,
        );
      }
    }
    commit ??= await this.objects.resolve('HEAD');
    return commit === undefined ? null : { commit, tree: await this.objects.treeOf(commit) };
  }

  readFile(commit: string, path: string): Promise<Buffer | undefined> {
    return this.objects.readFile(commit, path);
  }

  async commitChanges(request: CommitRequest): Promise<string | null> {
    await this.ensureRepo();
    return buildCommit(this.objects, request, this.options.author);
  }

  async push(commit: string): Promise<PushResult> {
    await this.ensureRepo();
    return this.moveBranch(commit);
  }

  private async moveBranch(commit: string): Promise<PushResult> {
    if (!(await this.objects.hasCommit(commit))) {
      throw new GitRemoteError('invalid', `cannot push ${commit}: no such commit in ${this.options.repoDir}`);
    }
    const refFile = join(this.options.repoDir, 'refs', 'heads', ...this.options.branch.split('/'));
    const lock = await this.lock(`${refFile}.lock`);
    if (!lock) return { ok: false, reason: `the branch is being updated by someone else (${refFile}.lock exists)` };
    let renamed = false;
    try {
      // Compare-and-swap under the lock: fast-forward only, like receive-pack with a client that checks.
      const current = await this.objects.resolve(`refs/heads/${this.options.branch}`);
      if (current === commit) return { ok: true };
      if (current !== undefined && !(await this.objects.isDescendent(commit, current))) {
        return { ok: false, reason: 'non-fast-forward' };
      }
      await lock.writeFile(`${commit}\n`);
      await lock.sync();
      await lock.close();
      await rename(`${refFile}.lock`, refFile);
      renamed = true;
      await fsyncDir(dirname(refFile));
      (this.options.checkpoint ?? noCheckpoint)('push-sent');
      return { ok: true };
    } finally {
      await lock.close().catch(() => undefined);
      // After the rename the lock path may already be someone else's lock.
      if (!renamed) await rm(`${refFile}.lock`, { force: true });
    }
  }

  /** Takes git's ref lock; undefined when someone else holds it (a stale one is broken first). */
  private async lock(path: string) {
    await mkdir(dirname(path), { recursive: true });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        return await open(path, 'wx');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const age = await stat(path).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (age < STALE_LOCK_MS) return undefined;
        await rm(path, { force: true });
      }
    }
    return undefined;
  }

  /** After DATA_DIR moved: one commit pointing the seed's `.dvc/config` at the remote's new folder (movedSeedRemote). */
  private async followMovedDataDir(): Promise<void> {
    const tip = await this.objects.resolve(`refs/heads/${this.options.branch}`);
    const config = tip === undefined ? undefined : await this.objects.readFile(tip, '.dvc/config');
    const change = config && movedSeedRemote(config.toString('utf8'), this.options.dvcRemoteDir);
    if (!tip || !change) return;
    const commit = await buildCommit(
      this.objects,
      { parent: tip, changes: [change], message: MOVED_MESSAGE },
      this.options.author,
    );
    const pushed = commit && (await this.moveBranch(commit));
    // Thrown, ensureRepo is tried again on the next call (a teammate's push holding the lock is over by then).
    if (pushed && !pushed.ok)
      throw new Error(`could not point .dvc/config at ${this.options.dvcRemoteDir}: ${pushed.reason}`);
  }

  /** Creates the repository once, atomically: a crash leaves either nothing or a repo with its first commit. */
  private ensureRepo(): Promise<void> {
    this.ready ??= (async () => {
      const { repoDir, branch, author } = this.options;
      if (await pathExists(join(repoDir, 'HEAD'))) return this.followMovedDataDir();
      const staging = `${repoDir}.init-${randomBytes(4).toString('hex')}`;
      try {
        await git.init({ fs, dir: staging, bare: true, defaultBranch: branch });
        await fs.promises.writeFile(join(staging, 'config'), BARE_CONFIG);
        const seed = new GitObjects(staging);
        const commit = await buildCommit(
          seed,
          { parent: null, changes: embeddedSeedFiles(this.options.dvcRemoteDir), message: SEED_MESSAGE },
          author,
        );
        await seed.writeRef(`refs/heads/${branch}`, commit as string);
        await rename(staging, repoDir);
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    })().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}
