import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

/**
 * Runs a benchmark's `main`; a failure prints its stack (control bytes of a child's output replaced) and exits
 * with 1, the services it started stopped and its temp folders removed on the way out (`cleanup`).
 */
export function runBench(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    // eslint-disable-next-line no-control-regex -- control bytes are what is replaced
    process.stderr.write(`FAILED: ${text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '?').slice(0, 4000)}\n`);
    process.exit(1);
  });
}

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
  /** ms from spawn to the first ready answer (polled every 20 ms). */
  readyMs: number;
  logs(): string;
  /** SIGKILL: a benchmark throws its data away, so no graceful shutdown flush. */
  kill(): Promise<void>;
}

/**
 * The fields of /proc/<pid>/stat after the command name (which may hold spaces, hence the last `)`): field 3 of
 * proc(5) is index 0 here.
 */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of a process, in ms (Linux /proc; clock ticks are 100 Hz on every kernel we run on). */
export function processCpuMs(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Minor page faults of a process so far (/proc): each first touch of a page the process had not used, which on a VM
 * that hands freed memory back to its host can cost a trip to the host (bench/results/page-cache-write.md).
 */
export function processMinorFaults(pid: number): number {
  return Number(statFields(pid)[7]);
}

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status). */
export function residentBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  if (!line) throw new Error(`no VmRSS for process ${pid}`);
  return Number(line.replace(/\D+/g, '')) * 1024;
}

async function spawnAndWait(
  args: string[],
  env: Record<string, string>,
  port: number,
  ready: { path: string; accepts: (status: number) => boolean },
): Promise<Spawned> {
  const spawnedAt = performance.now();
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
    const answer = await httpCall('GET', url + ready.path, 2_000).catch(() => undefined);
    if (answer && ready.accepts(answer.status)) break;
    if (Date.now() > deadline) throw new Error(`${args.join(' ')} not ready within 60 s:\n${output}`);
    await delay(20);
  }
  return {
    url,
    port,
    pid: child.pid!,
    readyMs: performance.now() - spawnedAt,
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
  /** What it was started with: `startService(service.settings, { previous: service })` starts it again on the same data. */
  settings: Record<string, string>;
}

/**
 * The service as the image runs it (`node <shippedNodeFlags> dist/main.js`) on a fresh DATA_DIR (embedded git
 * repository and DVC remote, i.e. no network), like
 * test/support/service.ts does, but: no automatic flush (interval 1 day, SYNC_MAX_PENDING 1,000,000), LOG_LEVEL
 * warn unless given (at the default, info, the service also writes one access-log line per request, a few
 * microseconds each), and only this run's settings.
 */
/**
 * How to launch the service: another build's main.js (A/B runs), Node flags (`--cpu-prof`, ...), or `previous`: that
 * instance's DATA_DIR and keys again (a restart).
 */
export interface Launch {
  main?: string;
  nodeArgs?: string[];
  previous?: Pick<Service, 'dataDir' | 'accessKeyId' | 'secretAccessKey'>;
}

/** The Node flags the image runs the service with (the Dockerfile's CMD between `node` and the script): measured as shipped. */
function shippedNodeFlags(): string[] {
  const cmd = /^CMD (\[.+\])$/m.exec(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
  if (!cmd) throw new Error('the Dockerfile has no CMD ["node", ...] line');
  return (JSON.parse(cmd[1]) as string[]).slice(1, -1);
}

export async function startService(settings: Record<string, string> = {}, launch: Launch = {}): Promise<Service> {
  const main = launch.main ?? MAIN;
  const previous = launch.previous;
  if (!existsSync(main)) throw new Error(`${main} is missing: run 'npm run build' first`);
  const port = await freePort();
  const dataDir = previous?.dataDir ?? tempDir('dvc-sync-bench-');
  const accessKeyId = previous?.accessKeyId ?? `AKBENCH${randomBytes(6).toString('hex').toUpperCase()}`;
  const secretAccessKey = previous?.secretAccessKey ?? randomBytes(30).toString('base64');
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
  const spawned = await spawnAndWait([...shippedNodeFlags(), ...(launch.nodeArgs ?? []), main], env, port, {
    path: '/_admin/health',
    accepts: (s) => s === 200,
  });
  return {
    ...spawned,
    dataDir,
    settings,
    accessKeyId,
    secretAccessKey,
    region: env.S3_REGION ?? 'us-east-1',
    bucket: env.S3_BUCKET ?? 'annotations',
  };
}

/** bench/baseline-server.ts in its own process (like the service), in one of its modes (see there). */
export async function startBaseline(
  mode: 'fsync' | 'fsync-dir' | 'design' | 'essential' | 'null',
  nodeArgs: string[] = [],
): Promise<Spawned & S3Target> {
  const port = await freePort();
  const dir = tempDir(`bench-baseline-${mode}-`);
  const script = join(benchOut, 'baseline-server.js');
  const env = { ...process.env, BASELINE_MODE: mode, PORT: String(port), DATA_DIR: dir } as Record<string, string>;
  const spawned = await spawnAndWait([...nodeArgs, script], env, port, { path: '/_health', accepts: (s) => s === 200 });
  // Only the essential mode checks the signature (with these credentials); the client signs for every mode, so
  // that its cost is the same for every target.
  return {
    ...spawned,
    accessKeyId: 'AKBASELINE',
    secretAccessKey: 'baseline-secret',
    region: 'us-east-1',
    bucket: 'annotations',
  };
}

const S3RVER_BIN = join(repoRoot, 'node_modules', 's3rver', 'bin', 's3rver.js');

/** The s3rver version installed (package.json of the devDependency). */
export function s3rverVersion(): string {
  return (
    JSON.parse(readFileSync(join(repoRoot, 'node_modules', 's3rver', 'package.json'), 'utf8')) as { version: string }
  ).version;
}

/**
 * `s3rver` (the npm devDependency) in its own process, with its filesystem store in a fresh temp folder, the
 * bucket created at start, path-style only, no request log. It checks SigV4 signatures (header and presigned)
 * against its fixed credentials S3RVER/S3RVER; it never fsyncs.
 */
export async function startS3rver(): Promise<Spawned & S3Target> {
  if (!existsSync(S3RVER_BIN)) throw new Error(`${S3RVER_BIN} is missing: run 'npm ci' (s3rver is a devDependency)`);
  const port = await freePort();
  const dir = tempDir('bench-s3rver-');
  const bucket = 'annotations';
  const args = [S3RVER_BIN, '--directory', dir, '--address', '127.0.0.1', '--port', String(port), '--silent'];
  const spawned = await spawnAndWait(
    [...args, '--no-vhost-buckets', '--configure-bucket', bucket],
    { ...process.env } as Record<string, string>,
    port,
    // Any S3 answer to an anonymous GET of the bucket means it listens and the bucket exists.
    { path: `/${bucket}`, accepts: (s) => s > 0 },
  );
  return { ...spawned, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', region: 'us-east-1', bucket };
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
