import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSelfSignedCert, SelfSignedCert } from './tls.js';
import { repoRoot } from './tools.js';
import { freePort } from './free-port.js';

export interface ServiceOptions {
  /** Service settings (see src/config/env.schema.ts) added to, or overriding, the test defaults. */
  env?: Record<string, string>;
  /** Reuse a data folder (e.g. a second service on the same data); default: a fresh temp folder. */
  dataDir?: string;
  /** Serve https with a fresh self-signed certificate for 127.0.0.1/localhost. */
  tls?: boolean;
}

export interface RunningService {
  /** http(s)://127.0.0.1:<port>, no trailing slash: the S3 endpoint. */
  url: string;
  port: number;
  dataDir: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  region: string;
  /** Exactly the service settings it was started with (not the inherited process environment). */
  env: Record<string, string>;
  /** With `tls: true`: the certificate clients must trust. */
  cert?: SelfSignedCert;
  /** SIGTERM, waits for exit (graceful shutdown flushes). */
  stop(): Promise<void>;
  /** SIGKILL, for crash tests. */
  kill9(): Promise<void>;
  /** Start again with the same env, port and dataDir. */
  restart(): Promise<void>;
  /** stdout+stderr so far, across restarts (print it when a test fails). */
  logs(): string;
  /** The running process's id (undefined while down): for RSS and file-descriptor samples. */
  pid(): number | undefined;
}

const MAIN = join(repoRoot, 'dist', 'main.js');
const READY_DEADLINE_MS = 60_000;
const STOP_DEADLINE_MS = 60_000;

// Settings of the service that must come from the test, never from the developer's shell.
const SERVICE_SETTING =
  /^(PORT|HOST|LOG_LEVEL|LOG_FORMAT|ADMIN_TOKEN|TLS_CERT_FILE|TLS_KEY_FILE|DATA_DIR|S3_\w+|GIT_(REPO_URL|BRANCH|BASE_BRANCH|USERNAME|TOKEN|AUTHOR_NAME|AUTHOR_EMAIL)|DVC_\w+|SYNC_\w+|NODE_OPTIONS)$/;

// The service SIGTERMs itself when its stdin closes, i.e. when the test process is gone, however it ended
// (Jest's `process` is a per-file copy whose 'exit' event never fires, and SIGKILL runs no handler at all).
const PARENT_WATCHDOG =
  'data:text/javascript,process.stdin.on("end",()=>process.kill(process.pid,"SIGTERM"));process.stdin.on("data",()=>{});process.stdin.unref?.();';

// Temp folders must outlive stop() (tests read DATA_DIR afterwards, or restart on it), so a detached janitor
// is told about each one and each service pid; when the test process is gone (stdin closes) it waits for those
// services to exit, then removes the folders.
const JANITOR = `
const fs = require('fs'); const pids = []; const dirs = []; let buffer = '';
process.stdin.on('data', (data) => {
  buffer += data; const lines = buffer.split('\\n'); buffer = lines.pop();
  for (const line of lines) { const item = JSON.parse(line); item.pid ? pids.push(item.pid) : dirs.push(item.dir); }
});
const alive = (pid) => { try { process.kill(pid, 0); } catch { return false; }
  try { return fs.readFileSync('/proc/' + pid + '/stat', 'utf8').split(') ')[1][0] !== 'Z'; } catch { return true; } };
process.stdin.on('end', async () => {
  for (let i = 0; i < 600 && pids.some(alive); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});`;

let janitor: ChildProcess | undefined;
function tellJanitor(item: { pid: number } | { dir: string }) {
  if (!janitor) {
    janitor = spawn(process.execPath, ['-e', JANITOR], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    janitor.unref();
    (janitor.stdin as unknown as { unref(): void }).unref();
  }
  janitor.stdin!.write(`${JSON.stringify(item)}\n`);
}

export async function startService(options: ServiceOptions = {}): Promise<RunningService> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run 'npm run build' before the e2e tests`);
  const port = await freePort();
  const dataDir = options.dataDir ?? ownedTempDir('dvc-sync-data-');
  const cert = options.tls ? createSelfSignedCert(ownedTempDir('dvc-sync-tls-')) : undefined;
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    S3_ACCESS_KEY_ID: `AKTEST${randomBytes(7).toString('hex').toUpperCase()}`,
    // base64 gives '/' and '+' like real AWS secrets do.
    S3_SECRET_ACCESS_KEY: randomBytes(30).toString('base64'),
    // Tests flush explicitly (POST /_admin/sync): no sync may start behind their back.
    SYNC_INTERVAL_SECONDS: '86400',
    ...(cert ? { TLS_CERT_FILE: cert.certFile, TLS_KEY_FILE: cert.keyFile } : {}),
    ...options.env,
    PORT: String(port),
  };
  const url = `${cert ? 'https' : 'http'}://127.0.0.1:${port}`;
  let output = '';
  let child: ChildProcess | undefined;

  const launch = async () => {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !SERVICE_SETTING.test(name)));
    const proc = spawn(process.execPath, ['--import', PARENT_WATCHDOG, MAIN], {
      cwd: repoRoot,
      env: { ...inherited, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child = proc;
    if (proc.pid) tellJanitor({ pid: proc.pid });
    // A service a test forgot to stop must not keep Jest alive: the watchdog ends it when Jest is gone.
    proc.unref();
    for (const stream of [proc.stdin, proc.stdout, proc.stderr]) (stream as unknown as { unref(): void }).unref();
    proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitUntilHealthy(url, proc, cert, () => output);
  };

  const signalAndWait = async (signal: NodeJS.Signals) => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.ref(); // this wait is what keeps the test process alive now
    const exit = exitOf(proc);
    proc.kill(signal);
    let deadline: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      exit.then(() => true),
      new Promise<boolean>((resolve) => (deadline = setTimeout(() => resolve(false), STOP_DEADLINE_MS))),
    ]);
    clearTimeout(deadline);
    if (!stopped) {
      proc.kill('SIGKILL');
      await exit;
      throw new Error(`the service did not exit within ${STOP_DEADLINE_MS / 1000}s of ${signal}; logs:\n${output}`);
    }
  };

  await launch();
  return {
    url,
    port,
    dataDir,
    accessKeyId: env.S3_ACCESS_KEY_ID,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY,
    bucket: env.S3_BUCKET ?? 'annotations',
    region: env.S3_REGION ?? 'us-east-1',
    env,
    cert,
    stop: () => signalAndWait('SIGTERM'),
    kill9: () => signalAndWait('SIGKILL'),
    restart: async () => {
      await signalAndWait('SIGTERM');
      await launch();
    },
    logs: () => output,
    pid: () => (child && child.exitCode === null && child.signalCode === null ? child.pid : undefined),
  };
}

function ownedTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tellJanitor({ dir });
  return dir;
}

function exitOf(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => proc.once('exit', () => resolve()));
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitUntilHealthy(url: string, proc: ChildProcess, cert: SelfSignedCert | undefined, logs: () => string) {
  const deadline = Date.now() + READY_DEADLINE_MS;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(
        `the service exited (${proc.exitCode ?? proc.signalCode}) before it was healthy; logs:\n${logs()}`,
      );
    }
    const status = await healthStatus(`${url}/_admin/health`, cert).catch((error: Error) => error.message);
    if (status === 200) return;
    last = String(status);
    await delay(100);
  }
  proc.kill('SIGKILL');
  throw new Error(
    `GET /_admin/health was not 200 within ${READY_DEADLINE_MS / 1000}s (last: ${last}); logs:\n${logs()}`,
  );
}

function healthStatus(url: string, cert?: SelfSignedCert): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https') ? httpsRequest(url, { ca: cert?.certPem }) : httpRequest(url);
    request.setTimeout(5_000, () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.on('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.end();
  });
}

/** Runs a test body; when it fails, the error carries the service's log (the why of most e2e failures). */
export async function withLogs<T>(service: RunningService, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof Error)
      error.message += `\n--- service log (last 8000 chars) ---\n${service.logs().slice(-8000)}`;
    throw error;
  }
}

/**
 * For a service that must refuse to start: its startup error (with its log), or 'the service started' (after
 * stopping it) when it did start.
 */
export function startupFailure(started: Promise<RunningService>): Promise<string> {
  return started.then(
    async (service) => {
      await service.stop();
      return 'the service started';
    },
    (error: Error) => error.message,
  );
}
