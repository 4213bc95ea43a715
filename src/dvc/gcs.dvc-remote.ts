import { Storage, type Bucket, type StorageOptions } from '@google-cloud/storage';
import { DvcRemote, type ObjectSource, type RemoteHealth } from './dvc.remote.js';
import { DvcRemoteError } from './dvc-remote.error.js';
import { contentMd5Base64 } from './md5.util.js';
import { objectIdFromRelPath, objectRelPath } from './object-path.util.js';
import { idsByFolder, inParallel, isTransientHttpError, verifiedBytes, withRetries } from './remote-io.util.js';
import type { GcsRemoteSpec } from './remote-spec.types.js';

/** A folder group this small is checked object by object; a bigger one with one listing of the folder. */
const GET_AT_MOST = 3;
const PARALLEL = 8;

/**
 * A DVC remote on Google Cloud Storage (dvc-gs): objects named `<prefix>/files/md5/xx/yyyy…` in the bucket, no
 * metadata needed. An object upload is one request, visible only once complete; its bytes are checked against the
 * id first, and GCS checks them again against the `md5Hash` we send (it refuses a mismatch). Retries are ours
 * (the same policy as the other kinds): uploads are idempotent, the name being the content's hash.
 */
export class GcsDvcRemote extends DvcRemote {
  private readonly bucket: Bucket;
  private readonly root: string;

  constructor(private readonly spec: GcsRemoteSpec) {
    super();
    const options: StorageOptions = { timeout: spec.timeoutMs, retryOptions: { autoRetry: false } };
    if (spec.projectId) options.projectId = spec.projectId;
    if (spec.keyFilename) options.keyFilename = spec.keyFilename;
    if (spec.endpoint) {
      // Another server speaking the JSON API (an emulator, a gateway): Google sign-in only with a key file.
      options.apiEndpoint = spec.endpoint;
      options.useAuthWithCustomEndpoint = Boolean(spec.keyFilename);
    }
    this.bucket = new Storage(options).bucket(spec.bucket);
    this.root = spec.prefix ? `${spec.prefix}/` : '';
  }

  describe(): string {
    const where = `gs://${this.spec.bucket}${this.spec.prefix ? `/${this.spec.prefix}` : ''}`;
    const details = [
      this.spec.name && `remote '${this.spec.name}'`,
      this.spec.endpoint && `endpoint ${this.spec.endpoint}`,
    ];
    const shown = details.filter(Boolean);
    return shown.length > 0 ? `${where} (${shown.join(', ')})` : where;
  }

  async missing(ids: readonly string[]): Promise<Set<string>> {
    const groups = idsByFolder(ids);
    const result = new Set<string>();
    await this.run('cannot list', () =>
      inParallel([...groups.entries()], PARALLEL, async ([folder, group]) => {
        const present = group.length <= GET_AT_MOST ? await this.existing(group) : await this.listFolder(folder);
        for (const id of group) if (!present.has(id)) result.add(id);
      }),
    );
    return result;
  }

  async upload(id: string, source: ObjectSource, _size?: number): Promise<void> {
    const bytes = await verifiedBytes(id, source, this.describe());
    await this.run(`object ${id}: upload failed`, () =>
      this.bucket.file(this.keyOf(id)).save(bytes, {
        resumable: false,
        validation: false, // checked above, and by GCS against md5Hash
        metadata: { contentType: 'application/octet-stream', md5Hash: contentMd5Base64(id) },
      }),
    );
  }

  async read(id: string): Promise<Buffer | undefined> {
    return this.run(`object ${id}: cannot read`, async () => {
      try {
        return (await this.bucket.file(this.keyOf(id)).download())[0];
      } catch (error) {
        if (status(error) === 404) return undefined;
        throw error;
      }
    });
  }

  async check(): Promise<RemoteHealth> {
    try {
      await this.run('cannot reach', () =>
        this.bucket.getFiles({ prefix: `${this.root}files/md5/`, maxResults: 1, autoPaginate: false }),
      );
      return { ok: true };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }

  private keyOf(id: string): string {
    return this.root + objectRelPath(id);
  }

  private async run<T>(what: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await withRetries({ attempts: this.spec.attempts, isTransient: isTransientHttpError }, operation);
    } catch (error) {
      if (error instanceof DvcRemoteError) throw error;
      throw new DvcRemoteError(`${what} ${this.describe()}: ${errorText(error)}`, { cause: error });
    }
  }

  private async existing(ids: string[]): Promise<Set<string>> {
    const present = new Set<string>();
    for (const id of ids) if ((await this.bucket.file(this.keyOf(id)).exists())[0]) present.add(id);
    return present;
  }

  private async listFolder(folder: string): Promise<Set<string>> {
    const [files] = await this.bucket.getFiles({ prefix: `${this.root}files/md5/${folder}/`, autoPaginate: true });
    const ids = files.map((file) => objectIdFromRelPath(file.name.slice(this.root.length)));
    return new Set(ids.filter((id): id is string => id !== undefined));
  }
}

function status(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The client's messages name the bucket and object, never a credential. */
function errorText(error: unknown): string {
  const e = error as Error & { code?: unknown };
  return `${typeof e?.code === 'number' ? `${e.code} ` : ''}${e?.message ?? String(error)}`;
}
