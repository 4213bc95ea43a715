import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../support/free-port.js';
import { runCommand } from '../support/run-command.js';
import { repoRoot } from '../support/tools.js';

/**
 * The Dockerfile's runtime stage, performed without Docker (no engine runs in CI): what it copies, its ENV and its
 * CMD are read from the Dockerfile itself, the production dependencies are installed as its `deps` stage does
 * (`npm ci --omit=dev`), and the HEALTHCHECK command is the one it declares.
 */
interface RuntimeStage {
  copies: string[];
  env: Record<string, string>;
  cmd: string[];
  healthcheck: string;
  depsInstall: string;
}

function readDockerfile(): RuntimeStage {
  const text = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const stages = text.split(/^FROM /m);
  const runtime = stages[stages.length - 1];
  const deps = stages.find((stage) => / AS deps\b/.test(stage.split('\n')[0]));
  if (!deps) throw new Error('the Dockerfile has no `deps` stage');
  const env = Object.fromEntries(
    [...runtime.matchAll(/^ENV (.+)$/gm)].flatMap((m) =>
      [...m[1].matchAll(/(\w+)=(\S+)/g)].map((kv) => [kv[1], kv[2]]),
    ),
  );
  return {
    copies: [...runtime.matchAll(/^COPY (.+)$/gm)].map((m) => m[1].trim()),
    env,
    cmd: JSON.parse(/^CMD (\[.+\])$/m.exec(runtime)![1]) as string[],
    healthcheck: /^HEALTHCHECK .* CMD (.+)$/m.exec(runtime)![1],
    depsInstall: /^RUN (npm ci --omit=dev)\b/m.exec(deps)![1],
  };
}

function waitForExit(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('the Docker runtime stage, performed in a clean folder', () => {
  const app = mkdtempSync(join(tmpdir(), 'ops-runtime-app-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'ops-runtime-data-'));
  afterAll(() => {
    rmSync(app, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('installs production dependencies only, starts, is healthy, stores and commits a PUT, stops cleanly on SIGTERM', async () => {
    const stage = readDockerfile();
    // `npm run start:prod` (outside Docker) runs what the image runs, Node flags included.
    const scripts = (
      JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts['start:prod']).toBe(stage.cmd.join(' '));
    expect(stage.copies).toEqual([
      '--from=deps /app/node_modules ./node_modules',
      '--from=build /app/dist ./dist',
      'package.json .env.example ./',
    ]);
    if (!existsSync(join(repoRoot, 'dist', 'main.js'))) throw new Error("dist/main.js is missing: run 'npm run build'");

    // deps stage: package files + npm ci --omit=dev; build stage: dist; runtime: both, plus package.json, .env.example.
    for (const file of ['package.json', 'package-lock.json', '.env.example'])
      cpSync(join(repoRoot, file), join(app, file));
    // Native modules (better-sqlite3) are built for the Node.js that runs this test, with its own headers, as the
    // node image's npm does (a nodedir in the developer's ~/.npmrc may name another version's).
    const nodePrefix = dirname(dirname(process.execPath));
    const nodedir = existsSync(join(nodePrefix, 'include', 'node', 'node_version.h'))
      ? { npm_config_nodedir: nodePrefix }
      : {};
    const install = await runCommand('npm', stage.depsInstall.split(' ').slice(1).concat(['--no-audit', '--no-fund']), {
      cwd: app,
      env: {
        ...process.env,
        ...nodedir,
        NODE_ENV: 'production',
        PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
      },
    });
    expect({ code: install.code, stderr: install.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(install.stderr).not.toMatch(/EBADENGINE/);
    cpSync(join(repoRoot, 'dist'), join(app, 'dist'), { recursive: true });
    // No development dependency in the image.
    for (const dev of ['jest', 'typescript', '@nestjs/testing', 'eslint']) {
      expect({ dev, installed: existsSync(join(app, 'node_modules', dev)) }).toEqual({ dev, installed: false });
    }

    const port = await freePort();
    const adminToken = randomBytes(32).toString('hex');
    const credentials = { accessKeyId: 'AKRUNTIME0001', secretAccessKey: randomBytes(30).toString('base64') };
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) => !/^(PORT|HOST|LOG_\w+|DATA_DIR|S3_\w+|GIT_\w+|DVC_\w+|SYNC_\w+)$/.test(name),
      ),
    );
    const env = {
      ...inherited,
      ...stage.env,
      DATA_DIR: dataDir, // the volume at /data
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_TOKEN: adminToken, // docker-compose.yml requires one
      S3_ACCESS_KEY_ID: credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    };
    expect(stage.env).toMatchObject({ NODE_ENV: 'production', DATA_DIR: '/data' });
    mkdirSync(dataDir, { recursive: true });
    const [command, ...args] = stage.cmd;
    expect(command).toBe('node');
    const child = spawn(process.execPath, args, { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = waitForExit(child);
    try {
      // The image's own health check, until it passes (start period).
      const healthcheck = stage.healthcheck.replace(/^node /, '');
      const healthArgs = ['-e', JSON.parse(healthcheck.replace(/^-e /, '')) as string];
      let healthy = false;
      for (let attempt = 0; attempt < 100 && !healthy; attempt++) {
        if (child.exitCode !== null) throw new Error(`the service exited before it was healthy:\n${output}`);
        healthy = (await runCommand(process.execPath, healthArgs, { cwd: app, env })).code === 0;
        if (!healthy) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect({ healthy, output }).toEqual({ healthy: true, output: expect.any(String) });

      const s3 = new S3Client({
        endpoint: `http://127.0.0.1:${port}`,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials,
      });
      const body = JSON.stringify({ id: 1, task: { id: 1, data: { text: 'hello' } }, result: [] });
      await s3.send(new PutObjectCommand({ Bucket: 'annotations', Key: 'exports/1', Body: body }));
      s3.destroy();

      const unauthorized = await fetch(`http://127.0.0.1:${port}/_admin/sync`, { method: 'POST' });
      expect(unauthorized.status).toBe(401);
      const flushed = await fetch(`http://127.0.0.1:${port}/_admin/sync`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}` },
      });
      expect(flushed.status).toBe(200);
      const answer = (await flushed.json()) as { projects: Array<{ lastCommit: string | null; pending: number }> };
      expect(answer.projects).toEqual([
        expect.objectContaining({
          lastCommit: expect.stringMatching(/^[0-9a-f]{40}$/),
          pending: 0,
          outcome: 'flushed',
        }),
      ]);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const last = output.trim().split('\n').pop()!;
      expect(JSON.parse(last)).toMatchObject({ context: 'Lifecycle', message: 'stopped (exit code 0)' });
      expect(existsSync(join(dataDir, 'objects', 'exports', '1'))).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
