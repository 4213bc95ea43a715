import {
  AnonymousCredential,
  BlobServiceClient,
  StorageSharedKeyCredential,
  type ContainerClient,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import { DvcRemote, type ObjectSource, type RemoteHealth } from './dvc.remote.js';
import { DvcRemoteError } from './dvc-remote.error.js';
import { objectIdFromRelPath, objectRelPath } from './object-path.util.js';
import { idsByFolder, inParallel, isTransientHttpError, verifiedBytes, withRetries } from './remote-io.util.js';
import type { AzureRemoteSpec } from './remote-spec.types.js';

/** A folder group this small is checked blob by blob; a bigger one with one listing of the folder. */
const HEAD_AT_MOST = 3;
const PARALLEL = 8;

/**
 * A DVC remote on Azure Blob Storage (dvc-azure): block blobs named `<prefix>/files/md5/xx/yyyy…` in the container,
 * no metadata needed. An upload is one Put Blob request (atomic: the blob appears whole or not at all), sent only
 * once its bytes are checked against the id; the blob keeps that md5 as its Content-MD5, which Put Blob
 * verifies on arrival. Retries are
 * ours (the same policy as the other kinds), each request bounded by the timeout.
 */
export class AzureDvcRemote extends DvcRemote {
  private readonly container: ContainerClient;
  private readonly root: string;
  private readonly endpoint: string;

  constructor(private readonly spec: AzureRemoteSpec) {
    super();
    const options: StoragePipelineOptions = { retryOptions: { maxTries: 1, tryTimeoutInMs: spec.timeoutMs } };
    const { credentials } = spec;
    let service: BlobServiceClient;
    if (credentials.kind === 'connection_string')
      service = BlobServiceClient.fromConnectionString(credentials.connectionString, options);
    else {
      const url = `https://${credentials.accountName}.blob.core.windows.net`;
      service =
        credentials.kind === 'account_key'
          ? new BlobServiceClient(
              url,
              new StorageSharedKeyCredential(credentials.accountName, credentials.accountKey),
              options,
            )
          : new BlobServiceClient(`${url}?${credentials.sasToken}`, new AnonymousCredential(), options);
    }
    this.container = service.getContainerClient(spec.container);
    // The service url carries a SAS token in its query: never shown.
    const parsed = new URL(service.url);
    this.endpoint = `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/$/, '')}`;
    this.root = spec.prefix ? `${spec.prefix}/` : '';
  }

  describe(): string {
    const where = `azure://${this.spec.container}${this.spec.prefix ? `/${this.spec.prefix}` : ''}`;
    return `${where} (${this.spec.name ? `remote '${this.spec.name}', ` : ''}endpoint ${this.endpoint})`;
  }

  async missing(ids: readonly string[]): Promise<Set<string>> {
    const groups = idsByFolder(ids);
    const result = new Set<string>();
    await this.run('cannot list', () =>
      inParallel([...groups.entries()], PARALLEL, async ([folder, group]) => {
        const present = group.length <= HEAD_AT_MOST ? await this.existing(group) : await this.listFolder(folder);
        for (const id of group) if (!present.has(id)) result.add(id);
      }),
    );
    return result;
  }

  async upload(id: string, source: ObjectSource, _size?: number): Promise<void> {
    const bytes = await verifiedBytes(id, source, this.describe());
    const md5 = Buffer.from(id.replace(/\.dir$/, ''), 'hex');
    await this.run(`object ${id}: upload failed`, () =>
      this.container.getBlockBlobClient(this.keyOf(id)).upload(bytes, bytes.length, {
        blobHTTPHeaders: { blobContentMD5: md5, blobContentType: 'application/octet-stream' },
      }),
    );
  }

  async read(id: string): Promise<Buffer | undefined> {
    return this.run(`object ${id}: cannot read`, async () => {
      try {
        return await this.container.getBlobClient(this.keyOf(id)).downloadToBuffer();
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return undefined;
        throw error;
      }
    });
  }

  async check(): Promise<RemoteHealth> {
    try {
      await this.run('cannot reach', async () => {
        await this.container
          .listBlobsFlat({ prefix: `${this.root}files/md5/` })
          .byPage({ maxPageSize: 1 })
          .next();
      });
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
      throw new DvcRemoteError(`${what} ${this.describe()}: ${errorText(error, this.spec.container)}`, {
        cause: error,
      });
    }
  }

  private async existing(ids: string[]): Promise<Set<string>> {
    const present = new Set<string>();
    for (const id of ids) if (await this.container.getBlobClient(this.keyOf(id)).exists()) present.add(id);
    return present;
  }

  private async listFolder(folder: string): Promise<Set<string>> {
    const present = new Set<string>();
    for await (const blob of this.container.listBlobsFlat({ prefix: `${this.root}files/md5/${folder}/` })) {
      const id = objectIdFromRelPath(blob.name.slice(this.root.length));
      if (id) present.add(id);
    }
    return present;
  }
}

/**
 * The SDK's error code and message (they carry no credential; the request url, which may hold a SAS token, is left
 * out). A missing container gets the command that creates it: dvc-azure does not create it either.
 */
function errorText(error: unknown, container: string): string {
  const e = error as { code?: string; statusCode?: number; message?: string };
  if (e?.code === 'ContainerNotFound')
    return `the container '${container}' does not exist (create it, e.g. 'az storage container create -n ${container}')`;
  const first = (e?.message ?? String(error)).split('\n')[0];
  return [e?.statusCode, e?.code, first].filter(Boolean).join(' ');
}
