import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { removeTempRoots, tempRoot } from '../dvc/dvc-repo.harness.js';
import { startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js';
import { startService, withLogs } from '../support/service.js';
import { flush, healthText, syncStatus } from '../sync/harness/admin-client.js';
import { S3Objects } from '../sync/harness/s3-objects.js';
import { createDvcRepo, dvcConfigText } from '../sync/harness/team-repo.js';

/**
 * A Git server (or a proxy in front of it) that echoes the request's `Authorization` header into its reason
 * phrase — some proxies and misconfigured servers do. The token must not come back out of the service in
 * any form it travels in: not in the status, the health answer, the log or the sync state on disk.
 */
const USER = 'sync-bot';
const TOKEN = `ghp_${randomBytes(12).toString('hex')}/+=`;
const basic = Buffer.from(`${USER}:${TOKEN}`).toString('base64');
const FORMS = {
  raw: TOKEN,
  'URL-encoded': encodeURIComponent(TOKEN),
  base64: Buffer.from(TOKEN).toString('base64').replace(/=+$/, ''),
  'base64 of user:token (the Basic header)': basic.replace(/=+$/, ''),
};

/** Forwards to the real git server until it sees credentials; then answers 502 with them in the reason phrase. */
async function startEchoingProxy(
  upstream: string,
): Promise<{ url: string; echoed: () => number; stop(): Promise<void> }> {
  const target = new URL(upstream);
  let echoed = 0;
  const server: Server = createServer((req, res) => {
    const authorization = req.headers.authorization;
    if (authorization) {
      echoed += 1;
      req.resume();
      res.writeHead(502, `Bad Gateway (upstream refused Authorization: ${authorization})`, {
        'content-type': 'text/plain',
      });
      res.end(`upstream refused ${authorization}\n`);
      return;
    }
    const forward = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    echoed: () => echoed,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

describe('a Git server that echoes the credentials', () => {
  let gitServer: GitHttpServer;
  let proxy: Awaited<ReturnType<typeof startEchoingProxy>>;

  beforeAll(async () => {
    const root = tempRoot('hostile-git');
    createDvcRepo(root, 'team', dvcConfigText(join(root, 'dvc-remote')));
    gitServer = await startGitHttpServer({ root, username: USER, password: TOKEN });
    proxy = await startEchoingProxy(gitServer.url(''));
  });

  afterAll(async () => {
    await proxy?.stop();
    await gitServer?.stop();
    removeTempRoots();
  });

  it('the token never reaches /_admin/sync, /_admin/health, the log or the sync state, in any encoding', async () => {
    const service = await startService({
      env: { GIT_REPO_URL: `${proxy.url}/team.git`, GIT_USERNAME: USER, GIT_TOKEN: TOKEN, LOG_LEVEL: 'verbose' },
    });
    const s3 = new S3Objects(service);
    try {
      await withLogs(service, async () => {
        await s3.put('exports/1.json', '{"id": 1}\n');
        const failed = await flush(service);
        // The failure went through the echoing path (else this test would prove nothing) and is reported.
        expect(proxy.echoed()).toBeGreaterThan(0);
        expect(failed.pending).toBe(1);
        expect(failed.lastError).toMatch(/HTTP 502 Bad Gateway \(upstream refused Authorization: Basic \*\*\*\)/);
        const status = JSON.stringify(await syncStatus(service));
        const health = await healthText(service);
        expect(health).toMatch(/502/);
        await service.stop();
        const state = filesUnder(join(service.dataDir, 'state')).map((path) => readFileSync(path).toString('latin1'));
        expect(state.join('\n')).toMatch(/Basic \*\*\*/); // the error is kept on disk, redacted
        const places = { status, health, log: service.logs(), state: state.join('\n') };
        for (const [place, text] of Object.entries(places)) {
          for (const [form, value] of Object.entries(FORMS)) {
            expect({ place, form, leaked: text.includes(value) }).toEqual({ place, form, leaked: false });
          }
        }
      });
    } finally {
      s3.close();
      await service.stop();
    }
  });
});
