import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Validator } from '@seriousme/openapi-schema-validator';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_OPENAPI } from '../../src/admin/admin.openapi.js';

/** The routes Express ended up with (Express 5 keeps them on `app.router`). */
interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/**
 * GET /_admin/openapi.json against the app as it is built (AppModule, the real bootstrap): every admin route
 * Nest registered is described, nothing described is missing from the app, and the document is valid OpenAPI 3.1.
 */
describe('GET /_admin/openapi.json', () => {
  let app: NestExpressApplication;
  let url: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'openapi-'));

  beforeAll(async () => {
    // The app reads its settings from the environment (src/config), as `node dist/main.js` does.
    Object.assign(process.env, {
      DATA_DIR: dataDir,
      LOG_LEVEL: 'error',
      HOST: '127.0.0.1',
      ADMIN_TOKEN: `admin-${randomBytes(12).toString('hex')}`,
      SYNC_INTERVAL_SECONDS: '86400',
    });
    const { createApp, createLogger } = await import('../../src/bootstrap.js');
    app = await createApp(createLogger());
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('describes exactly the admin routes the app registers', () => {
    const express = app.getHttpAdapter().getInstance() as { router: { stack: RouteLayer[] } };
    const registered = express.router.stack
      .flatMap(({ route }) => (route ? Object.keys(route.methods).map((method) => ({ method, path: route.path })) : []))
      .filter(({ path }) => path === '/_admin' || path.startsWith('/_admin/'))
      // Express matches `/_admin` and `/_admin/` alike; the document names the page by its canonical URL.
      .map(({ method, path }) => `${method.toUpperCase()} ${path === '/_admin' ? '/_admin/' : path}`);
    const described = Object.entries(ADMIN_OPENAPI.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(registered.length).toBeGreaterThanOrEqual(8);
    expect([...described].sort()).toEqual([...new Set(registered)].sort());
  });

  it('is served without the admin token, and is valid OpenAPI 3.1 with every $ref resolving', async () => {
    expect((await fetch(`${url}/_admin/sync`)).status).toBe(401);
    const response = await fetch(`${url}/_admin/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const served = (await response.json()) as Record<string, unknown>;
    expect(served).toEqual(JSON.parse(JSON.stringify(ADMIN_OPENAPI)));

    const validator = new Validator();
    const result = await validator.validate(served);
    expect(result.errors).toBeUndefined();
    expect({ valid: result.valid, version: validator.version }).toEqual({ valid: true, version: '3.1' });
    const refs = JSON.stringify(served).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    expect(() => JSON.stringify(validator.resolveRefs())).not.toThrow();
  });
});
