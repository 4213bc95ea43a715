import type { Readable } from 'node:stream';

/**
 * Opens the object's bytes; called again for a retry, so it must return a fresh stream each time.
 *
 * `linkTo`, when the bytes are a file on this machine that is never written again: gives that file one more name,
 * `path` (link(2)), once its bytes are durable, if it still holds the planned bytes (it fails as the stream would
 * otherwise). It rejects with link(2)'s error code where the file system cannot (EXDEV: `path` is on another one):
 * the remote then copies from the stream. A remote in a local folder uses it to push an object with one system call
 * instead of reading and writing its bytes (docs/dvc-format.md, "Pushing to a local folder").
 */
export type ObjectSource = (() => Readable | Buffer) & {
  readonly linkTo?: (path: string) => Promise<void>;
  /**
   * The source is one Buffer that this process built, hashed to the id and never changes afterwards (the `.dir`
   * listing `pushDataset` uploads): a remote that checks the bytes against the id by hashing them (a file that
   * changed after it was hashed) may skip that second pass. At 100,000 files it is 6.6 MB, ~15 ms of MD5 per flush.
   */
  readonly hashed?: true;
};

/** A source of bytes already hashed to their id in this process and never changed (`ObjectSource.hashed`). */
export function hashedSource(bytes: Buffer): ObjectSource {
  return Object.assign(() => bytes, { hashed: true as const });
}

/**
 * Bytes a remote is writing while their id is still being computed (`DvcRemote.stage`): at 100,000 files a `.dir`
 * listing is 6.6 MB, whose md5 takes ~12 ms of this thread and whose write ~10 ms of the disk; staged, the two overlap.
 * Nothing names the bytes before `commit`.
 */
export interface StagedObject {
  /**
   * Stores the staged bytes as the object `id`, all or nothing, as `upload` with a `hashedSource` would: the caller
   * computed `id` from these very bytes.
   */
  commit(id: string): Promise<void>;
  /**
   * Drops the staged bytes unless `commit` has named them (the push failed first, or the remote had the object
   * already): called once the push is over, whatever it did. Never rejects.
   */
  discard(): Promise<void>;
}

export interface RemoteHealth {
  ok: boolean;
  error?: string;
}

/**
 * The DVC remote port. Objects are named by their DVC id: `<md5>` for a file, `<md5>.dir` for a directory
 * listing, and stored at `files/md5/xx/yyyy…` under the remote root. Implementations do I/O only; the push order
 * (files first, `.dir` last) is `pushDataset`'s job. Every implementation, the test fake included, passes one
 * contract suite (test/dvc/dvc-remote.contract.ts); nothing outside `dvc/` knows which kind it holds.
 */
export abstract class DvcRemote {
  /**
   * Uploads `pushDataset` runs at once, for these sources. Over a network each upload mostly waits, so several
   * overlap well; a local folder overrides it (its uploads share the thread pool and the disk with the PUTs).
   */
  uploadParallelism(_sources: readonly ObjectSource[]): number {
    return 8;
  }

  /** For logs and status: the remote's name and location, never its credentials. */
  abstract describe(): string;
  /** The ids among `ids` that the remote does not have. */
  abstract missing(ids: readonly string[]): Promise<Set<string>>;
  /**
   * Stores the object, all or nothing. The bytes must hash to the id: an implementation refuses (and keeps
   * nothing) when they do not, e.g. because the file changed after it was hashed.
   */
  abstract upload(id: string, source: ObjectSource, size?: number): Promise<void>;
  /** The object's bytes, or undefined when the remote does not have it (e.g. a teammate's `.dir` to merge). */
  abstract read(id: string): Promise<Buffer | undefined>;
  /** Can we reach and write to the remote right now? */
  abstract check(): Promise<RemoteHealth>;
  /**
   * Makes every upload so far durable; `pushDataset` calls it before the `.dir` and before any commit can name the
   * objects. Remotes whose acknowledgement of an upload already means durable keep this no-op.
   */
  syncUploads(): Promise<void> {
    return Promise.resolve();
  }
  /**
   * Starts storing `content`, a `.dir` listing whose id (its md5) the caller is still computing; `commit` names it.
   * By default nothing starts before `commit`, which uploads it then; a remote whose write of megabytes costs a disk's
   * time (a local folder) starts writing at once.
   */
  stage(content: Buffer): StagedObject {
    return {
      commit: (id) => this.upload(id, hashedSource(content), content.length),
      discard: () => Promise.resolve(),
    };
  }
  /** Releases connections; the remote is not used afterwards. */
  close(): void {}
}
