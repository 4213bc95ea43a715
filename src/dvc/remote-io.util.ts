import { setTimeout as sleep } from 'node:timers/promises';
import { retryDelayMs } from '../sync/retry-backoff.policy.js';
import type { ObjectSource } from './dvc.remote.js';
import { DvcRemoteError } from './dvc-remote.error.js';
import { md5Hex } from './md5.util.js';
import { objectRelPath } from './object-path.util.js';

/**
 * Runs `work` over `items`, at most `limit` at once, and rejects with the first failure as soon as it happens. No
 * item starts after that: a remote that failed one request (often after a timeout) is not asked the rest, and a
 * retry of the whole operation never runs beside what is left of the failed one. The items in flight then end on
 * their own, unobserved. (The local folder remote settles every item before it rejects, local.dvc-remote.ts: a
 * failure there must not cut its renames short.)
 */
export async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      await work(items[next++]).catch((error: unknown) => {
        failed = true;
        throw error;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Unique ids grouped by their `files/md5/xx` folder (`xx` → ids); throws on anything that is not an object id. */
export function idsByFolder(ids: readonly string[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const id of new Set(ids)) {
    objectRelPath(id); // validates
    groups.set(id.slice(0, 2), [...(groups.get(id.slice(0, 2)) ?? []), id]);
  }
  return groups;
}

/** The refusal every remote gives when the bytes it was handed are not the ones the id names. */
export function hashMismatch(id: string, actual: string, where: string): DvcRemoteError {
  return new DvcRemoteError(
    `object ${id}: the bytes read hash to ${actual} (the file changed after it was hashed?); not stored in ${where}`,
  );
}

/** The md5 an object's bytes must have: its id without `.dir`. */
export function expectedMd5(id: string): string {
  return id.replace(/\.dir$/, '');
}

/**
 * All of the object's bytes, checked against its id before anything is sent: a remote whose uploads are one
 * request (GCS, Azure) then never stores wrong bytes, not even for a moment. Objects are single annotations or
 * files of the dataset, at most S3_MAX_OBJECT_SIZE each.
 */
export async function verifiedBytes(id: string, source: ObjectSource, where: string): Promise<Buffer> {
  objectRelPath(id); // validates
  const opened = source();
  let bytes: Buffer;
  if (Buffer.isBuffer(opened)) bytes = opened;
  else {
    const chunks: Buffer[] = [];
    for await (const chunk of opened) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    bytes = Buffer.concat(chunks);
  }
  const md5 = md5Hex(bytes);
  if (md5 !== expectedMd5(id)) throw hashMismatch(id, md5, where);
  return bytes;
}

export interface RetryPolicy {
  /** Tries in all (1 = no retry). */
  attempts: number;
  /** Whether another try may succeed (network gone, timeout, server busy); anything else fails at once. */
  isTransient: (error: unknown) => boolean;
  /** Called before each retry (e.g. to drop a broken connection). */
  beforeRetry?: (error: unknown) => void;
}

/**
 * Runs `operation` until it succeeds, a non-transient error, or the last try, waiting 0.25 s, 0.5 s, 1 s … (capped
 * at 5 s) between tries: a network blip costs a second, a remote that is gone fails the push and leaves the
 * objects pending for the next flush (whose own backoff is longer).
 */
export async function withRetries<T>(policy: RetryPolicy, operation: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= policy.attempts || !policy.isTransient(error)) throw error;
      policy.beforeRetry?.(error);
      await sleep(retryDelayMs(attempt, 250, 5_000));
    }
  }
}

/** A remote that did not answer in time. */
export class RemoteTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what}: no answer within ${ms / 1000} s`);
    this.name = 'RemoteTimeoutError';
  }
}

/** `promise`, or a RemoteTimeoutError after `ms` (then `onTimeout` runs, e.g. to close the stuck connection). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new RemoteTimeoutError(what, ms));
    }, ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_CODES =
  /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ESOCKETTIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|ENOTFOUND|UND_ERR_\w+|REQUEST_SEND_ERROR)$/;

/**
 * An HTTP remote's error that another try may fix: no answer (connection refused or reset, timeout), throttling
 * (429) or a server error (5xx). A 4xx answer (bad credentials, no such bucket) fails at once. The SDKs name the
 * status differently (`statusCode`, numeric `code`, `response.status`) and nest the network error as `cause`.
 */
export function isTransientHttpError(error: unknown): boolean {
  if (error instanceof RemoteTimeoutError) return true;
  for (let e = error as Record<string, unknown> | undefined, depth = 0; e && depth < 4; depth++) {
    const status = [e.statusCode, e.code, (e.response as { status?: unknown } | undefined)?.status].find(
      (value): value is number => typeof value === 'number',
    );
    if (status !== undefined) return TRANSIENT_STATUS.has(status);
    if (typeof e.code === 'string' && TRANSIENT_CODES.test(e.code)) return true;
    if (e.name === 'AbortError' || e.name === 'TimeoutError') return true;
    e = e.cause as Record<string, unknown> | undefined;
  }
  return false;
}
