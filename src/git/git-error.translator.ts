import { GitRemoteError } from './git-remote.error.js';
import { redactSecrets } from './remote-url.util.js';

export interface GitErrorContext {
  /** The remote URL without credentials. */
  url: string;
  operation: 'fetch' | 'push' | 'check';
  /** Whether GIT_USERNAME/GIT_TOKEN (or URL userinfo) were given. */
  hasCredentials: boolean;
  /** Values that must never appear in a message (the token, the password). */
  secrets: ReadonlyArray<string | undefined>;
}

/** The fields of isomorphic-git's errors (`Errors.*`) and node's system errors that we read. */
interface ErrorLike {
  code?: unknown;
  message?: unknown;
  data?: {
    statusCode?: number;
    statusMessage?: string;
    reason?: string;
    result?: { refs?: Record<string, { ok: boolean; error?: string }> };
  };
}

const NETWORK_CODES =
  /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_TLS)/;

// receive-pack's per-ref refusals that mean "the branch is not where you think" (builtin/receive-pack.c:
// "non-fast-forward", "fetch first" from a client, and its compare-and-swap failure on old-oid,
// reported as "failed to update ref" / "cannot lock ref … but expected …").
const MOVED = /non-fast-forward|fetch first|failed to (update|lock) ref|cannot lock ref|stale info/i;

/**
 * Why a push was refused by the rules of git (not by the network): `non-fast-forward` when the branch moved,
 * else the server's reason. Undefined for any other error (those are `translateGitError`'s).
 */
export function pushRefusal(error: unknown, secrets: ReadonlyArray<string | undefined> = []): string | undefined {
  const e = error as ErrorLike;
  // isomorphic-git refuses locally when the advertised tip is not an ancestor of our commit.
  if (e?.code === 'PushRejectedError')
    return e.data?.reason === 'not-fast-forward' ? 'non-fast-forward' : String(e.data?.reason);
  if (e?.code !== 'GitPushError') return undefined;
  const reasons = Object.values(e.data?.result?.refs ?? {})
    .filter((r) => !r.ok)
    .map((r) => r.error ?? 'refused');
  if (reasons.some((r) => MOVED.test(r))) return 'non-fast-forward';
  return redactSecrets(reasons.join('; ') || 'the server refused the push', secrets);
}

/** A git failure, as a message that says what to set — without any secret in it. */
export function translateGitError(error: unknown, ctx: GitErrorContext): GitRemoteError {
  if (error instanceof GitRemoteError) return error;
  const e = (error ?? {}) as ErrorLike;
  const { url } = ctx;
  const status = e.code === 'HttpError' ? e.data?.statusCode : undefined;
  const setCredentials = 'set GIT_USERNAME and GIT_TOKEN';
  let kind: GitRemoteError['kind'] = 'protocol';
  let message: string;
  if (status === 401) {
    kind = 'auth';
    message = ctx.hasCredentials
      ? `the git server at ${url} refused the credentials (HTTP 401): check GIT_USERNAME and GIT_TOKEN`
      : `the git server at ${url} requires credentials (HTTP 401): ${setCredentials}`;
  } else if (status === 403) {
    kind = 'auth';
    // `check` probes the push service: the service is only useful if it can push.
    const access = ctx.operation === 'fetch' ? 'read' : 'write (push)';
    message = `the git server at ${url} denied access (HTTP 403): GIT_TOKEN must grant ${access} access to the repository`;
  } else if (status === 404) {
    kind = 'not-found';
    message = `no git repository at ${url} (HTTP 404): check GIT_REPO_URL`;
    if (!ctx.hasCredentials)
      message += ` (a private repository also answers 404 without credentials: ${setCredentials})`;
  } else if (status !== undefined) {
    message = `the git server at ${url} answered HTTP ${status} ${e.data?.statusMessage ?? ''}`.trimEnd();
    // 5xx: the server's own trouble (overloaded, in maintenance): nothing to fix here, the flush retries.
    if (status >= 500) message += ': a problem on the server side; changes stay pending and the flush retries';
  } else if (e.code === 'SmartHttpError' || e.code === 'ParseError' || e.code === 'EmptyServerResponseError') {
    message = `${url} did not answer like a git server (${String(e.code)}): check GIT_REPO_URL`;
  } else if (typeof e.code === 'string' && NETWORK_CODES.test(e.code)) {
    kind = 'unreachable';
    message = `cannot reach the git server at ${url}: ${e.code}`;
  } else {
    const detail = typeof e.message === 'string' ? e.message : String(error);
    message = `git ${ctx.operation} with ${url} failed: ${detail}`;
  }
  return new GitRemoteError(kind, redactSecrets(message, ctx.secrets));
}
