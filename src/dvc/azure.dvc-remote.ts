import {
  AnonymousCredential,
  BlobServiceClient,
  StorageSharedKeyCredential,
  type ContainerClient,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import { ObjectStoreDvcRemote } from './object-store.dvc-remote.js';
import type { AzureRemoteSpec } from './remote-spec.types.js';

/**
 * A DVC remote on Azure Blob Storage (dvc-azure): block blobs named `<prefix>/files/md5/xx/yyyy…` in the container.
 * An upload is one Put Blob (atomic); the blob keeps the md5 as its Content-MD5, which Put Blob verifies on arrival.
 * The SDK's own retries are off (one try, bounded by the timeout): the shared policy of ObjectStoreDvcRemote applies.
 */
export class AzureDvcRemote extends ObjectStoreDvcRemote {
  private readonly container: ContainerClient;
  private readonly endpoint: string;

  constructor(private readonly spec: AzureRemoteSpec) {
    super(spec, spec.prefix);
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
  }

  describe(): string {
    const where = `azure://${this.spec.container}${this.spec.prefix ? `/${this.spec.prefix}` : ''}`;
    return `${where} (${this.spec.name ? `remote '${this.spec.name}', ` : ''}endpoint ${this.endpoint})`;
  }

  protected exists(name: string): Promise<boolean> {
    return this.container.getBlobClient(name).exists();
  }

  protected async list(prefix: string): Promise<string[]> {
    const names: string[] = [];
    for await (const blob of this.container.listBlobsFlat({ prefix })) names.push(blob.name);
    return names;
  }

  protected async put(name: string, bytes: Buffer, md5: Buffer): Promise<void> {
    await this.container.getBlockBlobClient(name).upload(bytes, bytes.length, {
      blobHTTPHeaders: { blobContentMD5: md5, blobContentType: 'application/octet-stream' },
    });
  }

  protected async get(name: string): Promise<Buffer | undefined> {
    try {
      return await this.container.getBlobClient(name).downloadToBuffer();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }

  protected async probe(prefix: string): Promise<void> {
    await this.container.listBlobsFlat({ prefix }).byPage({ maxPageSize: 1 }).next();
  }

  /**
   * The SDK's status, code and first line of message (no credential; the request url, which may hold a SAS token,
   * is left out). A missing container gets the command that creates it: dvc-azure does not create it either.
   */
  protected errorText(error: unknown): string {
    const e = error as { code?: string; statusCode?: number; message?: string };
    if (e?.code === 'ContainerNotFound')
      return `the container '${this.spec.container}' does not exist (create it, e.g. 'az storage container create -n ${this.spec.container}')`;
    const first = (e?.message ?? String(error)).split('\n')[0];
    return [e?.statusCode, e?.code, first].filter(Boolean).join(' ');
  }
}
