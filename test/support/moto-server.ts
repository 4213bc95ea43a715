import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { toolPaths } from './tools.js';
import { freePort } from './free-port.js';

/** A real S3 API (moto) on 127.0.0.1, with one bucket. Any keys are accepted. */
export interface MotoServer {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** A client for the test's own checks (path style, these keys). */
  client(): S3Client;
  stop(): Promise<void>;
}

const READY_WITHIN_MS = 60_000;

export async function startMotoServer(bucket = 'dvc-test-bucket'): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(toolPaths().motoServer, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const server: MotoServer = {
    endpoint,
    bucket,
    region: 'us-east-1',
    accessKeyId: 'moto-test-key',
    secretAccessKey: 'moto-test-secret',
    client: () =>
      new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'moto-test-key', secretAccessKey: 'moto-test-secret' },
      }),
    stop: () => stop(child),
  };
  try {
    await waitUntilReady(endpoint, child, () => stderr);
    const client = server.client();
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    client.destroy();
  } catch (error) {
    await stop(child);
    throw error;
  }
  return server;
}

/** Polls until moto answers; a server that exits or never answers is a loud failure. */
async function waitUntilReady(endpoint: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + READY_WITHIN_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode}:\n${stderr()}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${READY_WITHIN_MS / 1000}s:\n${stderr()}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}
