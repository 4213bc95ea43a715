import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LabelStudioClient } from './label-studio-client.js';
import { toolPaths } from './tools.js';
import { freePort } from './free-port.js';

export { LabelStudioClient } from './label-studio-client.js';
export type * from './label-studio-client.js';

/**
 * A real Label Studio (pip `label-studio`, pinned in test/tools/label-studio.txt) on 127.0.0.1, with sqlite in a
 * fresh data folder. Facts behind each setting: docs/label-studio.md.
 */
export interface RunningLabelStudio {
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string;
  /** Legacy API token of the admin user: `Authorization: Token <token>`. */
  token: string;
  username: string;
  password: string;
  dataDir: string;
  api: LabelStudioClient;
  /** Label Studio's stdout+stderr (the last 256 KiB), for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

export interface LabelStudioOptions {
  /** Extra settings, e.g. `{ FUTURE_SAVE_TASK_TO_STORAGE: 'true' }` (Target storage writes whole tasks). */
  env?: Record<string, string>;
}

const USERNAME = 'admin@example.com';
const PASSWORD = 'dvc-sync-test-password';
const TOKEN = 'dvcsync0e2e0token000000000000000000000001'; // 40 chars, the column's maximum
// Migrating a fresh sqlite database takes ~25 s on 2 cores; a start on a migrated copy ~3 s.
const FIRST_START_DEADLINE_MS = 240_000;
const START_DEADLINE_MS = 120_000;
const STOP_DEADLINE_MS = 30_000;
const LOG_LIMIT = 256 * 1024;

/** Settings every test Label Studio gets (the reason for each is in docs/label-studio.md). */
function baseEnv(dataDir: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dataDir,
    LANG: 'C.UTF-8',
    TMPDIR: process.env.TMPDIR ?? tmpdir(),
    LABEL_STUDIO_BASE_DATA_DIR: dataDir,
    LABEL_STUDIO_USERNAME: USERNAME,
    LABEL_STUDIO_PASSWORD: PASSWORD,
    LABEL_STUDIO_USER_TOKEN: TOKEN, // applied only when the user is created (i.e. in the template)
    LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN: 'true', // else `Authorization: Token …` is refused
    S3_TRUSTED_STORAGE_DOMAINS: 'amazonaws.com,', // the empty entry matches 127.0.0.1: real S3 errors, not a masked 500
    SSRF_PROTECTION_ENABLED: 'false', // 1.23 refuses s3_endpoint on loopback/private addresses otherwise
    LATEST_VERSION_CHECK: 'false', // no request to pypi.org at start
    COLLECT_ANALYTICS: 'false',
    // Sentry stays on, as in a real install (its built-in DSN is on by default), so the S3 requests carry the
    // signed `sentry-trace` header real users send us; the DSN points at a closed local port: nothing leaves.
    SENTRY_DSN: 'http://public@127.0.0.1:9/1',
    PYTHONUNBUFFERED: '1',
  };
}

// Runs Label Studio as its child: stops it when our stdin closes (the test process ended, even by SIGKILL)
// or on SIGTERM, kills it if it ignores that, and exits with its status.
const WRAPPER = `
import signal, subprocess, sys, threading
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL)
def stop(*_):
    if p.poll() is None:
        p.terminate()
        threading.Timer(${STOP_DEADLINE_MS / 2000}, lambda: p.poll() is None and p.kill()).start()
signal.signal(signal.SIGTERM, stop)
threading.Thread(target=lambda: (sys.stdin.buffer.read(), stop()), daemon=True).start()
code = p.wait()
sys.exit(code if code >= 0 else 128 - code)
`;

// Outside Jest only: a test module's `process` never emits 'exit' under Jest. There, the wrapper's stdin
// watchdog stops Label Studio, and stop() removes the data folder.
const running = new Set<ChildProcess>();
const dataDirs = new Set<string>();
process.on('exit', () => {
  for (const child of running) if (child.pid) process.kill(-child.pid, 'SIGKILL');
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

export async function startLabelStudio(options: LabelStudioOptions = {}): Promise<RunningLabelStudio> {
  const template = await migratedTemplate();
  const dataDir = mkdtempSync(join(tmpdir(), 'label-studio-'));
  dataDirs.add(dataDir);
  cpSync(template, dataDir, { recursive: true });
  const started = await launch(dataDir, options.env ?? {}, START_DEADLINE_MS);
  return {
    ...started,
    token: TOKEN,
    username: USERNAME,
    password: PASSWORD,
    dataDir,
    api: new LabelStudioClient(started.url, TOKEN),
    stop: async () => {
      await started.stop();
      rmSync(dataDir, { recursive: true, force: true });
      dataDirs.delete(dataDir);
    },
  };
}

/**
 * A data folder where the first start already ran: migrated database, admin user with our token.
 * Kept inside the tool's virtual environment, so a new pin (a new venv) gets a new template.
 */
async function migratedTemplate(): Promise<string> {
  const labelStudio = toolPaths().labelStudio;
  const key = createHash('sha256')
    .update(JSON.stringify([labelStudio, USERNAME, PASSWORD, TOKEN, 1]))
    .digest('hex')
    .slice(0, 12);
  const template = join(dirname(dirname(labelStudio)), `.e2e-data-template-${key}`);
  if (existsSync(join(template, '.complete'))) return template;
  const building = mkdtempSync(`${template}.building-`);
  try {
    const started = await launch(building, {}, FIRST_START_DEADLINE_MS);
    await started.stop();
    if (!existsSync(join(building, 'label_studio.sqlite3')))
      throw new Error(`no database in ${building}:\n${started.logs()}`);
    writeFileSync(join(building, '.complete'), '');
    try {
      renameSync(building, template);
    } catch (error) {
      // Another test process built it at the same time: use theirs.
      if (!existsSync(join(template, '.complete'))) throw error;
    }
    return template;
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}

async function launch(dataDir: string, extraEnv: Record<string, string>, deadlineMs: number) {
  const labelStudio = toolPaths().labelStudio;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    '-c',
    WRAPPER,
    labelStudio,
    'start',
    '--no-browser',
    '--internal-host',
    '127.0.0.1',
    '--port',
    String(port),
  ];
  const proc = spawn(join(dirname(labelStudio), 'python'), args, {
    env: { ...baseEnv(dataDir), ...extraEnv },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true, // own process group: stop() can reach Label Studio too
  });
  running.add(proc);
  let output = '';
  const append = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-LOG_LIMIT));
  proc.stdout.on('data', append);
  proc.stderr.on('data', append);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  void exited.then(() => running.delete(proc));
  const logs = () => output;
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.stdin.end();
    const stopped = await Promise.race([exited.then(() => true), delay(STOP_DEADLINE_MS).then(() => false)]);
    if (!stopped) {
      process.kill(-proc.pid!, 'SIGKILL');
      await exited;
    }
  };
  try {
    await waitUntilReady(url, proc, deadlineMs, logs);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, logs, stop };
}

async function waitUntilReady(url: string, proc: ChildProcess, deadlineMs: number, logs: () => string) {
  const deadline = Date.now() + deadlineMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(
        `Label Studio exited (${proc.exitCode ?? proc.signalCode}) before GET /health/ answered; logs:\n${logs()}`,
      );
    }
    const status = await fetch(`${url}/health/`).then(
      (r) => r.status,
      (e: Error) => e.message,
    );
    if (status === 200) {
      const whoami = await fetch(`${url}/api/current-user/whoami`, { headers: { Authorization: `Token ${TOKEN}` } });
      if (whoami.status === 200) return;
      throw new Error(
        `Label Studio is up but refuses the API token (${whoami.status}: ${await whoami.text()}); logs:\n${logs()}`,
      );
    }
    last = String(status);
    await delay(250);
  }
  throw new Error(
    `Label Studio: GET /health/ was not 200 within ${deadlineMs / 1000}s (last: ${last}); logs:\n${logs()}`,
  );
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
