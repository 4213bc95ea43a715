import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Target } from './s3-put.js';

/** The repository root: the nearest folder with a package.json above this file (bench/.out/lib/ when compiled, bench/lib/ under tsx). */
export const repoRoot = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();
export const benchOut = join(repoRoot, 'bench', '.out');
const MAIN = join(repoRoot, 'dist', 'main.js');

// Every child and temp folder this run made; removed on exit, however the run ends.
const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
function cleanup() {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  removeTempDirs();
}

/** Removes this run's temp folders (tens of thousands of files after a big run: this takes a while on a busy disk). */
export function removeTempDirs(): void {
  for (const dir of tempDirs) {
    rmSync(dir, { recursive: true, force: true });
    tempDirs.delete(dir);
  }
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface HttpAnswer {
  status: number;
  text: string;
}

export function httpCall(method: string, url: string, timeoutMs = 600_000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export interface Spawned {
  url: string;
  port: number;
  pid: number;
  logs(): string;
  /** SIGKILL: a benchmark throws its data away, so no graceful shutdown flush. */
  kill(): Promise<void>;
}

async function spawnAndWait(
  args: string[],
  env: Record<string, string>,
  port: number,
  readyPath: string,
): Promise<Spawned> {
  const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${args.join(' ')} exited early:\n${output}`);
    const answer = await httpCall('GET', url + readyPath, 2_000).catch(() => undefined);
    if (answer?.status === 200) break;
    if (Date.now() > deadline) throw new Error(`${args.join(' ')} not ready within 60 s:\n${output}`);
    await delay(100);
  }
  return {
    url,
    port,
    pid: child.pid!,
    logs: () => output,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export interface Service extends Spawned, S3Target {
  dataDir: string;
}

/**
 * `node dist/main.js` on a fresh DATA_DIR (embedded git repository and DVC remote, i.e. no network), like
 * test/support/service.ts does, but: no automatic flush (interval 1 day, SYNC_MAX_PENDING 1,000,000), LOG_LEVEL
 * warn unless given (at the default, info, the service also writes one access-log line per request, a few
 * microseconds each), and only this run's settings.
 */
export async function startService(settings: Record<string, string> = {}): Promise<Service> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run 'npm run build' first`);
  const port = await freePort();
  const dataDir = tempDir('dvc-sync-bench-');
  const accessKeyId = `AKBENCH${randomBytes(6).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(30).toString('base64');
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined &&
        !/^(PORT|HOST|LOG_LEVEL|ADMIN_TOKEN|TLS_\w+|DATA_DIR|S3_\w+|GIT_\w+|DVC_\w+|SYNC_\w+|NODE_OPTIONS)$/.test(
          entry[0],
        ),
    ),
  );
  const env: Record<string, string> = {
    ...inherited,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    S3_ACCESS_KEY_ID: accessKeyId,
    S3_SECRET_ACCESS_KEY: secretAccessKey,
    SYNC_INTERVAL_SECONDS: '86400',
    SYNC_MAX_PENDING: '1000000',
    LOG_LEVEL: 'warn',
    ...settings,
  };
  const spawned = await spawnAndWait([MAIN], env, port, '/_admin/health');
  return {
    ...spawned,
    dataDir,
    accessKeyId,
    secretAccessKey,
    region: env.S3_REGION ?? 'us-east-1',
    bucket: env.S3_BUCKET ?? 'annotations',
  };
}

/** bench/baseline-server.ts in its own process (like the service): mode 'fsync' or 'null'. */
export async function startBaseline(mode: 'fsync' | 'null'): Promise<Spawned & S3Target> {
  const port = await freePort();
  const dir = tempDir(`bench-baseline-${mode}-`);
  const script = join(benchOut, 'baseline-server.js');
  const env = { ...process.env, BASELINE_MODE: mode, PORT: String(port), DATA_DIR: dir } as Record<string, string>;
  const spawned = await spawnAndWait([script], env, port, '/_health');
  // The baseline ignores the signature; the client signs anyway so that its cost is the same for every target.
  return {
    ...spawned,
    accessKeyId: 'AKBASELINE',
    secretAccessKey: 'baseline-secret',
    region: 'us-east-1',
    bucket: 'annotations',
  };
}

export interface FlushAnswer {
  wallMs: number;
  status: Record<string, unknown> & {
    pending: number;
    lastError: string | null;
    running: boolean;
    rejected: Array<{ key: string; reason: string }>;
    lastFlush: {
      durationMs: number;
      added: number;
      updated: number;
      deleted: number;
      uploadedObjects: number;
      commit: string | null;
    } | null;
  };
}

/** POST /_admin/sync: flushes and answers with the status; fails loudly if the flush failed. */
export async function flush(service: Service): Promise<FlushAnswer> {
  const started = performance.now();
  const answer = await httpCall('POST', `${service.url}/_admin/sync`);
  const wallMs = performance.now() - started;
  if (answer.status !== 200) throw new Error(`POST /_admin/sync answered ${answer.status}: ${answer.text}`);
  const [status] = (JSON.parse(answer.text) as { projects: Array<FlushAnswer['status']> }).projects;
  if (status.lastError) throw new Error(`flush failed: ${status.lastError}\n${service.logs().slice(-4000)}`);
  return { wallMs, status };
}

export async function syncStatus(service: Service): Promise<FlushAnswer['status']> {
  const answer = await httpCall('GET', `${service.url}/_admin/sync`);
  return (JSON.parse(answer.text) as { projects: Array<FlushAnswer['status']> }).projects[0];
}
