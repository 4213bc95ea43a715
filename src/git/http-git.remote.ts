import { durableFs as fs } from './durable-fs.adapter.js';
import { rm } from 'node:fs/promises';
import git from 'isomorphic-git';
import type { HttpClient } from 'isomorphic-git';
import { boundedHttpClient } from './bounded-http.client.js';
import type { Checkpoint } from '../common/crash.checkpoint.js';
import { buildCommit } from './commit.builder.js';
import {
  GitRemote,
  type CommitRequest,
  type GitRemoteDescription,
  type GitTip,
  type PushResult,
} from './git.remote.js';
import { GitObjects, type Signature } from './git-objects.adapter.js';
import { GitRemoteError } from './git-remote.error.js';
import { pushRefusal, translateGitError, type GitErrorContext } from './git-error.translator.js';
import { credentialSecrets, splitCredentials } from './remote-url.util.js';

export interface HttpGitRemoteOptions {
  /** An http(s) URL; userinfo in it is used as credentials and never shown. */
  repoUrl: string;
  branch: string;
  baseBranch?: string;
  username?: string;
  token?: string;
  author: Signature;
  /** A bare repository we own, used as a shallow cache of the remote branch (DATA_DIR/git). */
  cacheDir: string;
  /** GIT_HTTP_TIMEOUT_SECONDS: a request to the server that stays silent this long fails (the flush retries). */
  timeoutMs?: number;
  /** The crash tests' fault injection (`push-sent`); a no-op in production. */
  checkpoint?: Checkpoint;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * A team's repository over smart HTTP. Each `fetchTip` is a depth-1 single-branch fetch into the bare
 * cache; commits are written there; `push` sends only the new objects (thin pack against the fetched tip).
 */
export class HttpGitRemote extends GitRemote {
  private readonly url: string;
  private readonly username?: string;
  private readonly password?: string;
  /** Never shown: the token, `user:token` (the Basic header), and a URL user name that is really a token. */
  private readonly secrets: string[];
  private readonly objects: GitObjects;
  private readonly http: HttpClient;
  private ready?: Promise<void>;

  constructor(private readonly options: HttpGitRemoteOptions) {
    super();
    const checkpoint = options.checkpoint;
    this.http = boundedHttpClient(
      options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      checkpoint && (() => checkpoint('push-sent')),
    );
    const split = splitCredentials(options.repoUrl);
    this.url = split.url;
    this.password = options.token ?? split.password;
    // GitHub and GitLab accept any user name with a token as the password.
    this.username = options.username ?? split.username ?? (this.password ? 'x-access-token' : undefined);
    // Without a password, only a URL user name is a credential (`https://<token>@host/…`), not GIT_USERNAME.
    this.secrets = this.password
      ? credentialSecrets(this.username, this.password)
      : credentialSecrets(split.username, undefined);
    this.objects = new GitObjects(options.cacheDir);
  }

  describe(): GitRemoteDescription {
    return { url: this.url, branch: this.options.branch, embedded: false };
  }

  async check(): Promise<{ ok: boolean; error?: string }> {
    try {
      // The push service's ref advertisement: servers refuse it to credentials that cannot push.
      await git.getRemoteInfo2({
        http: this.http,
        url: this.url,
        onAuth: this.onAuth,
        protocolVersion: 1,
        forPush: true,
      });
      return { ok: true };
    } catch (error) {
      return { ok: false, error: this.translate(error, 'check').message };
    }
  }

  async fetchTip(): Promise<GitTip | null> {
    await this.prepareCache();
    const { branch, baseBranch } = this.options;
    try {
      let commit: string | null;
      try {
        commit = await this.fetchRef(`refs/heads/${branch}`);
      } catch (error) {
        if (!isMissingRef(error, `refs/heads/${branch}`)) throw error;
        // A new branch starts at the base (or default) branch; the first push creates it.
        const base = baseBranch ? `refs/heads/${baseBranch}` : 'HEAD';
        commit = await this.fetchRef(base).catch((e: unknown) => {
          if (!isMissingRef(e, base)) throw e;
          throw new GitRemoteError(
            'not-found',
            baseBranch
              ? `neither branch '${branch}' nor GIT_BASE_BRANCH '${baseBranch}' exists in ${this.url}`
              : `branch '${branch}' does not exist in ${this.url} and its default branch (HEAD) names no existing branch: set GIT_BASE_BRANCH`,
          );
        });
      }
      return commit === null ? null : { commit, tree: await this.objects.treeOf(commit) };
    } catch (error) {
      throw this.translate(error, 'fetch');
    }
  }

  readFile(commit: string, path: string): Promise<Buffer | undefined> {
    return this.objects.readFile(commit, path);
  }

  async commitChanges(request: CommitRequest): Promise<string | null> {
    await this.prepareCache();
    return buildCommit(this.objects, request, this.options.author);
  }

  async push(commit: string): Promise<PushResult> {
    const ref = `refs/heads/${this.options.branch}`;
    try {
      // isomorphic-git pushes a local ref; this one exists only to name the commit for it.
      await this.objects.writeRef(ref, commit);
      await git.push({
        fs,
        http: this.http,
        gitdir: this.objects.gitdir,
        url: this.url,
        ref,
        remoteRef: ref,
        onAuth: this.onAuth,
      });
      return { ok: true };
    } catch (error) {
      const reason = pushRefusal(error, this.secrets);
      if (reason !== undefined) return { ok: false, reason };
      throw this.translate(error, 'push');
    }
  }

  /** Fetches `remoteRef` (depth 1) and resolves its commit, or null when the repository has no refs. */
  private async fetchRef(remoteRef: string): Promise<string | null> {
    const local =
      remoteRef === 'HEAD' ? 'refs/remotes/origin/HEAD' : remoteRef.replace('refs/heads/', 'refs/remotes/origin/');
    const result = await git.fetch({
      fs,
      http: this.http,
      gitdir: this.objects.gitdir,
      url: this.url,
      // `ref` only names the local ref whose commit is offered as "have": the last fetched tip.
      ref: local,
      remoteRef,
      singleBranch: true,
      depth: 1,
      tags: false,
      onAuth: this.onAuth,
    });
    return result.fetchHead;
  }

  private readonly onAuth = () =>
    this.password || this.username ? { username: this.username, password: this.password } : undefined;

  /** The bare cache exists and belongs to this URL (another repository's shallow list would confuse fetch). */
  private prepareCache(): Promise<void> {
    this.ready ??= (async () => {
      const gitdir = this.objects.gitdir;
      const owner: unknown = await git.getConfig({ fs, gitdir, path: 'remote.origin.url' }).catch(() => undefined);
      if (owner !== this.url) {
        await rm(gitdir, { recursive: true, force: true });
        await git.init({ fs, dir: gitdir, bare: true, defaultBranch: this.options.branch });
        await git.setConfig({ fs, gitdir, path: 'remote.origin.url', value: this.url });
        await git.setConfig({ fs, gitdir, path: 'remote.origin.fetch', value: '+refs/heads/*:refs/remotes/origin/*' });
      }
    })().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private translate(error: unknown, operation: GitErrorContext['operation']): GitRemoteError {
    return translateGitError(error, {
      url: this.url,
      operation,
      hasCredentials: Boolean(this.password || this.username),
      secrets: this.secrets,
    });
  }
}

/** isomorphic-git's "the remote does not advertise this ref" (GitRefManager.resolveAgainstMap). */
function isMissingRef(error: unknown, ref: string): boolean {
  const e = error as { code?: string; data?: { what?: string } };
  return e?.code === 'NotFoundError' && e.data?.what === ref;
}
