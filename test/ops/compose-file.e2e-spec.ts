import { afterAll, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateEnvironment } from '../../src/config/env.schema.js';
import { runCommand } from '../support/run-command.js';
import { repoRoot, toolPaths } from '../support/tools.js';

/**
 * docker-compose.yml as an operator meets it, loaded by compose-go — the loader of Docker Compose itself, so this
 * is `docker compose config` (interpolation, .env, schema, every profile) — since no Docker runs in CI.
 */
interface ComposeService {
  environment?: Record<string, string>;
  ports?: { target: number; published: string }[];
  volumes?: { type: string; source: string; target: string; read_only?: boolean }[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: unknown;
  profiles?: string[];
  stop_grace_period?: string;
}
interface ComposeProject {
  services: Record<string, ComposeService>;
}

const ONE_LINER = 'echo "ADMIN_TOKEN=$(openssl rand -hex 32)" >> .env';

/** A copy of the compose file in its own folder, as a project directory with or without a `.env`. */
function projectDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ops-compose-'));
  copyFileSync(join(repoRoot, 'docker-compose.yml'), join(dir, 'docker-compose.yml'));
  return dir;
}

async function composeConfig(dir: string) {
  // The operator's shell has no ADMIN_TOKEN of ours: only the project's .env may provide it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'ADMIN_TOKEN'));
  return runCommand(toolPaths().composeConfig, [join(dir, 'docker-compose.yml')], { cwd: dir, env });
}

describe('docker-compose.yml, loaded as docker compose does', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('refuses to start without ADMIN_TOKEN, and says how to make one', async () => {
    const dir = projectDir();
    dirs.push(dir);
    const run = await composeConfig(dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('required variable ADMIN_TOKEN is missing a value');
    expect(run.stderr).toContain(ONE_LINER);
  });

  it("after the README's one-liner: valid service settings, data and TLS volumes, Label Studio after a healthy service", async () => {
    expect(readFileSync(join(repoRoot, 'README.md'), 'utf8')).toContain(ONE_LINER);
    const dir = projectDir();
    dirs.push(dir);
    const made = await runCommand('bash', ['-c', ONE_LINER], { cwd: dir });
    expect(made.code).toBe(0);
    const run = await composeConfig(dir);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const project = JSON.parse(run.stdout) as ComposeProject;
    const service = project.services['dvc-sync'];
    const labelStudio = project.services['label-studio'];

    const token = readFileSync(join(dir, '.env'), 'utf8')
      .trim()
      .replace(/^ADMIN_TOKEN=/, '');
    expect(service.environment!.ADMIN_TOKEN).toBe(token);
    const settings = validateEnvironment(service.environment!);
    expect(settings).toMatchObject({ ADMIN_TOKEN: token, DATA_DIR: '/data', PORT: 8000, HOST: '0.0.0.0' });
    expect(service.ports).toEqual([expect.objectContaining({ target: 8000, published: '8000' })]);
    expect(service.volumes).toEqual([
      expect.objectContaining({ type: 'volume', source: 'dvc-sync-data', target: '/data' }),
      expect.objectContaining({ type: 'bind', source: join(dir, 'certs'), target: '/certs', read_only: true }),
    ]);
    // The final flush on `docker compose stop` needs more than Docker's default 10 s to push.
    expect(service.stop_grace_period).toBe('1m0s');

    expect(labelStudio.profiles).toEqual(['label-studio']);
    expect(labelStudio.depends_on).toEqual({ 'dvc-sync': expect.objectContaining({ condition: 'service_healthy' }) });
    expect(labelStudio.environment).toMatchObject({
      SSRF_PROTECTION_ENABLED: 'false',
      S3_TRUSTED_STORAGE_DOMAINS: 'amazonaws.com,',
    });
    // service_healthy needs a health check: the image declares it (compose adds none of its own).
    expect(service.healthcheck).toBeUndefined();
    expect(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8')).toMatch(
      /^HEALTHCHECK [^\n]*\\\n\s+CMD .*\/_admin\/health/m,
    );
  });
});
