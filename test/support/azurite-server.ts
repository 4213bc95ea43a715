import { BlobServiceClient } from '@azure/storage-blob';
import { join } from 'node:path';
import { tempRoot } from '../dvc/dvc-repo.harness.js';
import { freePort } from './free-port.js';
import { listening, startLoopbackProcess } from './loopback-server.js';
import { repoRoot } from './tools.js';

/** Azurite's well-known development account (public in Azure's docs, not a secret). */
const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** Azurite (the Azure Blob emulator, npm dev dependency) on 127.0.0.1, with one container. */
export interface AzuriteServer {
  port: number;
  container: string;
  accountKey: string;
  /** A connection string for the account, reaching the blob service on `port` (default: Azurite's own). */
  connectionString(port?: number): string;
  /** Blob names under `prefix` in the container. */
  list(prefix: string): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startAzurite(container = 'dvcstore'): Promise<AzuriteServer> {
  const port = await freePort();
  const bin = join(repoRoot, 'node_modules', '.bin', 'azurite-blob');
  // --skipApiVersionCheck: the SDKs speak a newer API version than Azurite knows; --disableTelemetry: no traffic out.
  const server = await startLoopbackProcess(
    'azurite-blob',
    bin,
    [
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--location',
      tempRoot('azurite'),
      '--skipApiVersionCheck',
      '--disableTelemetry',
      '--silent',
    ],
    () => listening(port),
  );
  const connectionString = (via = port) =>
    `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};BlobEndpoint=http://127.0.0.1:${via}/${ACCOUNT};`;
  const containerClient = BlobServiceClient.fromConnectionString(connectionString()).getContainerClient(container);
  try {
    // dvc-azure does not create the container: a team's remote has one.
    await containerClient.createIfNotExists();
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    port,
    container,
    accountKey: KEY,
    connectionString,
    list: async (prefix) => {
      const names: string[] = [];
      for await (const blob of containerClient.listBlobsFlat({ prefix })) names.push(blob.name);
      return names;
    },
    stop: () => server.stop(),
  };
}
