import { DvcRemote, type ObjectSource, type RemoteHealth } from './dvc.remote.js';
import { DvcRemoteError } from './dvc-remote.error.js';
import { objectIdFromRelPath, objectRelPath } from './object-path.util.js';
import {
  expectedMd5,
  idsByFolder,
  inParallel,
  isTransientHttpError,
  verifiedBytes,
  withRetries,
} from './remote-io.util.js';
import type { NetworkLimits } from './remote-spec.types.js';

/** A folder group this small is checked object by object; a bigger one with one listing of the folder. */
const LOOK_UP_AT_MOST = 3;
const PARALLEL = 8;

/**
 * What the object stores reached over HTTP (GCS, Azure Blob) share: objects named `<prefix>/files/md5/xx/yyyy…`,
 * no metadata needed. An upload is one request whose object appears whole or not at all, sent only once its bytes
 * are checked against the id (the store checks them again against the md5 sent with them). Requests that fail on
 * the network, time out, are throttled or get a 5xx are tried again with backoff; uploads may be, the name being
 * the content's hash. A subclass is an adapter: five requests and how to word the store's errors.
 */
export abstract class ObjectStoreDvcRemote extends DvcRemote {
  protected readonly root: string;

  constructor(
    private readonly limits: NetworkLimits,
    prefix: string,
  ) {
    super();
    this.root = prefix ? `${prefix}/` : '';
  }

  /** Does the object `name` exist? */
  protected abstract exists(name: string): Promise<boolean>;
  /** The names of every object whose name starts with `prefix` (all pages). */
  protected abstract list(prefix: string): Promise<string[]>;
  /** Stores `bytes` as `name` in one request, with their `md5` for the store to verify. */
  protected abstract put(name: string, bytes: Buffer, md5: Buffer): Promise<void>;
  /** The object's bytes, or undefined when there is none. */
  protected abstract get(name: string): Promise<Buffer | undefined>;
  /** One cheap request that needs the bucket or container and the credentials (a listing of at most one name). */
  protected abstract probe(prefix: string): Promise<void>;
  /** The store's error for a message: its status and text, never a credential. */
  protected abstract errorText(error: unknown): string;

  async missing(ids: readonly string[]): Promise<Set<string>> {
    const groups = idsByFolder(ids);
    const result = new Set<string>();
    await this.run('cannot list', () =>
      inParallel([...groups.entries()], PARALLEL, async ([folder, group]) => {
        const present = group.length <= LOOK_UP_AT_MOST ? await this.existing(group) : await this.inFolder(folder);
        for (const id of group) if (!present.has(id)) result.add(id);
      }),
    );
    return result;
  }

  async upload(id: string, source: ObjectSource, _size?: number): Promise<void> {
    const bytes = await verifiedBytes(id, source, this.describe());
    const md5 = Buffer.from(expectedMd5(id), 'hex');
    await this.run(`object ${id}: upload failed`, () => this.put(this.nameOf(id), bytes, md5));
  }

  read(id: string): Promise<Buffer | undefined> {
    return this.run(`object ${id}: cannot read`, () => this.get(this.nameOf(id)));
  }

  async check(): Promise<RemoteHealth> {
    try {
      await this.run('cannot reach', () => this.probe(`${this.root}files/md5/`));
      return { ok: true };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }

  private nameOf(id: string): string {
    return this.root + objectRelPath(id);
  }

  private async run<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await withRetries({ attempts: this.limits.attempts, isTransient: isTransientHttpError }, operation);
    } catch (error) {
      if (error instanceof DvcRemoteError) throw error;
      throw new DvcRemoteError(`${what} ${this.describe()}: ${this.errorText(error)}`, { cause: error });
    }
  }

  private async existing(ids: string[]): Promise<Set<string>> {
    const present = new Set<string>();
    for (const id of ids) if (await this.exists(this.nameOf(id))) present.add(id);
    return present;
  }

  private async inFolder(folder: string): Promise<Set<string>> {
    const names = await this.list(`${this.root}files/md5/${folder}/`);
    const ids = names.map((name) => objectIdFromRelPath(name.slice(this.root.length)));
    return new Set(ids.filter((id): id is string => id !== undefined));
  }
}
