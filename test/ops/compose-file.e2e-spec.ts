import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateEnvironment } from '../../src/config/env.schema.js';
import { repoRoot } from '../support/tools.js';

/**
 * docker-compose.yml as an operator meets it. No Docker engine nor `docker compose` runs in CI, so what can be
 * checked without them is checked here: the settings it passes are valid service settings, the admin API cannot
 * be published without a token, Label Studio waits for a healthy service and can reach a private endpoint.
 */
interface ComposeService {
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
  stop_grace_period?: string;
}

const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, ComposeService>;
};
const service = compose.services['dvc-sync'];
const labelStudio = compose.services['label-studio'];
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

/** Compose's `${NAME:?message}`: the value of NAME, or an error when it is unset or empty (compose-spec interpolation). */
function interpolate(value: string, variables: Record<string, string>): string {
  return value.replace(/\$\{(\w+):\?([^}]*)\}/g, (_all, name: string, message: string) => {
    if (!variables[name]) throw new Error(`required variable ${name} is missing a value: ${message}`);
    return variables[name];
  });
}

describe('docker-compose.yml', () => {
  it('requires ADMIN_TOKEN, and the one-liner in the README and the file makes a valid one', () => {
    const token = service.environment!.ADMIN_TOKEN;
    expect(token).toMatch(/^\$\{ADMIN_TOKEN:\?[^}]+\}$/);
    expect(() => interpolate(token, {})).toThrow(/ADMIN_TOKEN/);

    const oneLiner = 'echo "ADMIN_TOKEN=$(openssl rand -hex 32)" >> .env';
    expect(readme).toContain(oneLiner);
    expect(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8')).toContain(oneLiner);
    const generated = execFileSync('bash', ['-c', oneLiner.replace(' >> .env', '')], { encoding: 'utf8' }).trim();
    const value = generated.replace(/^ADMIN_TOKEN=/, '');
    const settings = { ...service.environment, ADMIN_TOKEN: interpolate(token, { ADMIN_TOKEN: value }) };
    expect(validateEnvironment(settings).ADMIN_TOKEN).toBe(value);
  });

  it('passes only valid service settings, with DATA_DIR on the volume', () => {
    const env = validateEnvironment({ ...service.environment, ADMIN_TOKEN: 'x'.repeat(32) });
    expect(env.DATA_DIR).toBe('/data');
    expect(service.volumes).toEqual(expect.arrayContaining([expect.stringMatching(/^dvc-sync-data:\/data$/)]));
    expect(service.volumes).toEqual(expect.arrayContaining([expect.stringMatching(/:\/certs:ro$/)]));
    expect(service.ports).toEqual([`${env.PORT}:${env.PORT}`]);
    // The final flush on `docker compose stop` needs more than Docker's default 10 s to push.
    expect(service.stop_grace_period).toBe('60s');
  });

  it('starts Label Studio only once the service is healthy, allowed to use a private S3 endpoint', () => {
    expect(labelStudio.profiles).toEqual(['label-studio']);
    expect(labelStudio.depends_on).toEqual({ 'dvc-sync': { condition: 'service_healthy' } });
    expect(labelStudio.environment).toMatchObject({
      SSRF_PROTECTION_ENABLED: 'false',
      S3_TRUSTED_STORAGE_DOMAINS: 'amazonaws.com,',
    });
    // service_healthy needs a health check: the image declares it.
    expect(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8')).toMatch(/^HEALTHCHECK .*\/_admin\/health/ms);
  });
});
