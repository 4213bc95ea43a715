import { Storage, type Bucket, type StorageOptions } from '@google-cloud/storage';
import { ObjectStoreDvcRemote } from './object-store.dvc-remote.js';
import type { GcsRemoteSpec } from './remote-spec.types.js';

/**
 * A DVC remote on Google Cloud Storage (dvc-gs): objects named `<prefix>/files/md5/xx/yyyy…` in the bucket. GCS
 * refuses an upload whose bytes do not match the `md5Hash` sent with it. The client's own retries are off: the
 * shared policy of ObjectStoreDvcRemote applies.
 */
export class GcsDvcRemote extends ObjectStoreDvcRemote {
  private readonly bucket: Bucket;

  constructor(private readonly spec: GcsRemoteSpec) {
    super(spec, spec.prefix);
    const options: StorageOptions = { timeout: spec.timeoutMs, retryOptions: { autoRetry: false } };
    if (spec.projectId) options.projectId = spec.projectId;
    if (spec.keyFilename) options.keyFilename = spec.keyFilename;
    if (spec.endpoint) {
      // Another server speaking the JSON API (an emulator, a gateway): Google sign-in only with a key file.
      options.apiEndpoint = spec.endpoint;
      options.useAuthWithCustomEndpoint = Boolean(spec.keyFilename);
    }
    this.bucket = new Storage(options).bucket(spec.bucket);
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

  protected async exists(name: string): Promise<boolean> {
    return (await this.bucket.file(name).exists())[0];
  }

  protected async list(prefix: string): Promise<string[]> {
    return (await this.bucket.getFiles({ prefix, autoPaginate: true }))[0].map((file) => file.name);
  }

  protected async put(name: string, bytes: Buffer, md5: Buffer): Promise<void> {
    await this.bucket.file(name).save(bytes, {
      resumable: false,
      validation: false, // checked before sending, and by GCS against md5Hash
      metadata: { contentType: 'application/octet-stream', md5Hash: md5.toString('base64') },
    });
  }

  protected async get(name: string): Promise<Buffer | undefined> {
    try {
      return (await this.bucket.file(name).download())[0];
    } catch (error) {
      if ((error as { code?: unknown }).code === 404) return undefined;
      throw error;
    }
  }

  protected async probe(prefix: string): Promise<void> {
    await this.bucket.getFiles({ prefix, maxResults: 1, autoPaginate: false });
  }

  /** The client's messages name the bucket and object, never a credential. */
  protected errorText(error: unknown): string {
    const e = error as Error & { code?: unknown };
    return `${typeof e?.code === 'number' ? `${e.code} ` : ''}${e?.message ?? String(error)}`;
  }
}
