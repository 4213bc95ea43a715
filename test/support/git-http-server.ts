import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * A real git smart-HTTP server for tests: git's own `git http-backend` (CGI) behind a loopback node:http
 * server that demands HTTP Basic auth, like GitHub/GitLab do for pushes.
 * CGI contract: https://git-scm.com/docs/git-http-backend (GIT_PROJECT_ROOT, PATH_INFO, REMOTE_USER, …).
 */
export interface GitHttpServer {
  /** http://127.0.0.1:<port>/<repoName> — no credentials in it. */
  url(repoName: string): string;
  /** Requests seen so far, for "did it even talk to the server" checks. */
  readonly requests: number;
  stop(): Promise<void>;
}

export interface GitHttpServerOptions {
  /** Folder holding the bare repositories (`<root>/<name>.git` or `<root>/<name>`). */
  root: string;
  username: string;
  password: string;
}

const backend = join(execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(), 'git-http-backend');

function authorized(req: IncomingMessage, username: string, password: string): boolean {
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return false;
  return Buffer.from(header.slice(6), 'base64').toString('utf8') === `${username}:${password}`;
}

function runBackend(root: string, user: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    REMOTE_USER: user,
    REMOTE_ADDR: '127.0.0.1',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    REQUEST_METHOD: req.method ?? 'GET',
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    GATEWAY_INTERFACE: 'CGI/1.1',
    // Pushes over http are off unless enabled (git-http-backend "SERVICES").
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.receivepack',
    GIT_CONFIG_VALUE_0: 'true',
    GIT_CONFIG_NOSYSTEM: '1',
    HOME: root,
  };
  if (req.headers['content-length']) env.CONTENT_LENGTH = req.headers['content-length'];
  // The git CLI gzips large upload-pack requests; http-backend inflates them when told.
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding']);
  if (req.headers['git-protocol']) env.GIT_PROTOCOL = String(req.headers['git-protocol']);

  const child = spawn(backend, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined); // the backend may answer before reading everything
  let head = Buffer.alloc(0);
  let headersDone = false;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n') >= 0 ? head.indexOf('\r\n\r\n') : head.indexOf('\n\n');
    if (end < 0) return;
    const separator = head[end] === 0x0d ? 4 : 2;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.statusCode = status;
    headersDone = true;
    res.write(head.subarray(end + separator));
  });
  child.on('close', (code) => {
    if (!headersDone) {
      res.statusCode = 500;
      res.end(`git http-backend exited ${code}: ${stderr}`);
      return;
    }
    res.end();
  });
}

export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    if (!authorized(req, options.username, options.password)) {
      req.resume();
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"', 'Content-Type': 'text/plain' });
      res.end('authentication required');
      return;
    }
    runBackend(options.root, options.username, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (repoName) => `http://127.0.0.1:${port}/${repoName}`,
    get requests() {
      return requests;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Repositories with history, made with the real git CLI.

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Teammate',
  GIT_AUTHOR_EMAIL: 'teammate@example.com',
  GIT_COMMITTER_NAME: 'Teammate',
  GIT_COMMITTER_EMAIL: 'teammate@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

/**
 * Runs the git CLI on local paths, returns stdout. Synchronous: never point it at the test's own
 * git server (it would block the event loop that serves the request) — use `gitAsync` for that.
 */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The git CLI without blocking: for URLs served by `startGitHttpServer` in this process. */
export function gitAsync(cwd: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env: gitEnv, encoding: 'utf8' }, (error, stdout, stderr) =>
      error ? reject(new Error(`git ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout),
    );
  });
}

/** Files of a team's repository before we ever touch it. */
export const seededFiles: Record<string, string> = {
  'README.md': '# Team project\n',
  '.gitignore': 'node_modules/\n',
  'src/train.py': 'print("train")\n',
  'src/model/net.py': 'class Net: pass\n',
  'data/.gitignore': '/annotations\n',
  'data/annotations.dvc':
    'outs:\n- md5: d751713988987e9331980363e24189ce.dir\n  size: 0\n  nfiles: 0\n  hash: md5\n  path: annotations\n',
  '.dvc/config': '[core]\n    remote = storage\n[\'remote "storage"\']\n    url = s3://team-bucket/dvcstore\n',
  '.dvc/.gitignore': '/config.local\n/tmp\n/cache\n',
};

/** Commits `files` (null = delete) on `branch` of a bare repo, through a throwaway clone, and pushes. */
export function pushCommit(
  bareRepo: string,
  branch: string,
  files: Record<string, string | null>,
  message: string,
): string {
  const work = mkdtempSync(join(tmpdir(), 'git-work-'));
  try {
    git(work, 'init', '-q', '-b', branch);
    git(work, 'remote', 'add', 'origin', bareRepo);
    if (git(bareRepo, 'for-each-ref', `refs/heads/${branch}`).trim() !== '') {
      git(work, 'fetch', '-q', 'origin', branch);
      git(work, 'checkout', '-q', '-B', branch, 'FETCH_HEAD');
    }
    for (const [path, content] of Object.entries(files)) {
      if (content === null) {
        git(work, 'rm', '-q', path);
        continue;
      }
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), content);
      git(work, 'add', path);
    }
    git(work, 'commit', '-q', '-m', message);
    git(work, 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
    return git(work, 'rev-parse', 'HEAD').trim();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * `<root>/<name>.git`: a bare repository whose HEAD is `defaultBranch`, with three commits on it
 * (the last one adds `seededFiles`), unless `empty`.
 */
export function createBareRepo(
  root: string,
  name: string,
  options: { defaultBranch?: string; empty?: boolean } = {},
): string {
  const branch = options.defaultBranch ?? 'main';
  const bare = join(root, `${name}.git`);
  mkdirSync(bare, { recursive: true });
  git(bare, 'init', '-q', '--bare', '-b', branch);
  if (options.empty) return bare;
  pushCommit(bare, branch, { 'README.md': '# Team\n' }, 'Initial commit');
  pushCommit(bare, branch, { 'src/train.py': 'print("hello")\n' }, 'Add training script');
  pushCommit(bare, branch, seededFiles, 'Track annotations with DVC');
  return bare;
}
