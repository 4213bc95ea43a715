import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, TEST_OUTPUT } from '../support/chromium.js';
import { freePort } from '../support/free-port.js';
import { startService, withLogs, type RunningService } from '../support/service.js';
import { syncStatus } from '../sync/harness/admin-client.js';
import { annotationBody } from '../sync/harness/label-studio-bodies.js';
import { S3Objects } from '../sync/harness/s3-objects.js';

/**
 * The status page at /_admin/ in a real browser (Debian's headless Chromium) against the built service: the
 * login with ADMIN_TOKEN, a PUT showing up, *Sync now* committing it, user data shown and never run, a phone
 * screen, and a failing remote explained. Screenshots go to test-output/.
 */
const ADMIN_TOKEN = `admin-${randomBytes(12).toString('hex')}`;
const COOKIE = 'dvc_sync_admin';
/** A key a browser would run if the page did not escape it (S3 allows every one of these characters). */
const XSS_KEY = `media/<img src=x onerror="window.__xss=1">"'&.txt`;

const annotation = (id: number, task: number) =>
  annotationBody({ id, task, text: `task ${task}`, choice: 'positive', updatedAt: '2026-01-01T10:00:00.000000Z' });

/** What the page shows in an element marked `data-field` (first match), trimmed. */
async function field(page: Page, name: string): Promise<string> {
  return ((await page.locator(`[data-field="${name}"]`).first().textContent()) ?? '').trim();
}

/** Logs in the way an operator's link does (`?token=`), and checks the browser lands on the clean URL. */
async function openLoggedIn(context: BrowserContext, service: RunningService): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${service.url}/_admin/?token=${ADMIN_TOKEN}`);
  expect(page.url()).toBe(`${service.url}/_admin/`);
  return page;
}

describe('status page (headless Chromium)', () => {
  let browser: Browser;
  let service: RunningService;
  let s3: S3Objects;

  beforeAll(async () => {
    browser = await launchChromium();
    service = await startService({ env: { ADMIN_TOKEN } });
    s3 = new S3Objects(service);
  });

  afterAll(async () => {
    s3?.close();
    await browser?.close();
    await service?.stop();
  });

  it('asks for the token, sets an HttpOnly SameSite=Strict cookie, and never puts the token in a URL', async () => {
    await withLogs(service, async () => {
      const context = await browser.newContext();
      const urls: string[] = [];
      context.on('request', (request) => urls.push(request.url()));
      const page = await context.newPage();

      const first = await page.goto(`${service.url}/_admin/`);
      expect(first?.status()).toBe(401);
      await expect(page.locator('form.login input[name=token]').isVisible()).resolves.toBe(true);

      await page.fill('input[name=token]', `${ADMIN_TOKEN}-wrong`);
      await Promise.all([page.waitForURL(/login=failed/), page.click('form.login button')]);
      expect(await page.locator('[role=alert]').textContent()).toContain('not the admin token');
      expect(await context.cookies()).toEqual([]);

      await page.fill('input[name=token]', ADMIN_TOKEN);
      await Promise.all([page.waitForURL(`${service.url}/_admin/`), page.click('form.login button')]);
      expect(await page.locator('section.project h2').textContent()).toBe(service.bucket);

      const cookies = await context.cookies();
      expect(cookies.map(({ name, httpOnly, sameSite, path }) => ({ name, httpOnly, sameSite, path }))).toEqual([
        { name: COOKIE, httpOnly: true, sameSite: 'Strict', path: '/_admin' },
      ]);
      expect(cookies[0].value).not.toContain(ADMIN_TOKEN);
      expect(await page.evaluate<string>('document.cookie')).toBe(''); // HttpOnly: no script can read it
      expect(urls.filter((url) => url.includes(ADMIN_TOKEN))).toEqual([]);

      // The cookie is accepted by the other admin endpoints (the browser's own requests share it).
      expect((await context.request.get(`${service.url}/_admin/sync`)).status()).toBe(200);
      expect((await context.request.get(`${service.url}/_admin/metrics`)).status()).toBe(200);
      // A state change that another site's page would send with that cookie is refused.
      const forged = await context.request.post(`${service.url}/_admin/sync`, {
        headers: { origin: 'https://evil.example' },
      });
      expect(forged.status()).toBe(403);
      const unproven = await context.request.post(`${service.url}/_admin/sync`);
      expect(unproven.status()).toBe(403);

      await Promise.all([page.waitForURL(`${service.url}/_admin/`), page.click('text=Log out')]);
      await expect(page.locator('form.login').isVisible()).resolves.toBe(true);
      expect(await context.cookies()).toEqual([]);
      await context.close();
    });
  });

  it('logs in from a ?token= link and lands on the clean URL; a wrong one lands on the login form', async () => {
    await withLogs(service, async () => {
      const context = await browser.newContext();
      const page = await openLoggedIn(context, service);
      expect(await page.locator('form.sync button').textContent()).toBe('Sync now');
      // The 303 replaced the ?token= URL: the address bar and the page's own URL are clean.
      expect(await page.evaluate<string>('location.href')).toBe(`${service.url}/_admin/`);
      await context.close();

      const stranger = await browser.newContext();
      const wrong = await stranger.newPage();
      await wrong.goto(`${service.url}/_admin/?token=not-the-token`);
      expect(wrong.url()).toBe(`${service.url}/_admin/?login=failed`);
      expect(await wrong.locator('[role=alert]').textContent()).toContain('not the admin token');
      expect(await stranger.cookies()).toEqual([]);
      await stranger.close();
    });
  });

  it('shows PUTs as they arrive, and Sync now lists the new commit; keys are shown, never run', async () => {
    await withLogs(service, async () => {
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
      const page = await openLoggedIn(context, service);
      const blocked: string[] = [];
      page.on('console', (message) => {
        if (message.text().includes('Content Security Policy')) blocked.push(message.text());
      });
      let dialogs = 0;
      page.on('dialog', (dialog) => {
        dialogs++;
        void dialog.dismiss();
      });
      const before = await syncStatus(service);
      expect(await field(page, 'pending')).toBe(String(before.pending));

      await s3.put('exports/1', annotation(1, 1));
      await s3.put('exports/2', annotation(2, 2));
      await s3.put(XSS_KEY, 'not a Label Studio annotation');

      // No click: the page reloads itself until it shows the three new changes.
      const pending = String(before.pending + 3);
      for (let reloads = 0; (await field(page, 'pending')) !== pending; reloads++) {
        if (reloads > 12) throw new Error(`the page never showed ${pending} pending changes`);
        await page.waitForEvent('load', { timeout: 30_000 });
      }
      expect(await field(page, 'put-total')).toBe('3');
      expect(await field(page, 'state')).toBe('3 pending');

      await Promise.all([page.waitForURL(`${service.url}/_admin/`), page.click('form.sync button')]);
      const status = await syncStatus(service);
      expect(status.lastCommit).toMatch(/^[0-9a-f]{40}$/);
      expect(status.lastFlush).toMatchObject({ commit: status.lastCommit, added: 2, updated: 0, deleted: 0 });

      const row = page.locator('[data-field="commits"] tbody tr').first();
      expect(await row.locator('code').getAttribute('title')).toBe(status.lastCommit);
      expect((await row.locator('code').textContent())?.trim()).toBe(status.lastCommit!.slice(0, 10));
      expect(await row.locator('[data-field="added"]').textContent()).toBe('+2');
      expect(await row.locator('[data-field="deleted"]').textContent()).toBe('−0');
      expect(await field(page, 'pending')).toBe('0');
      expect(await field(page, 'state')).toBe('In sync');

      // The rejected key is user data: shown as text, never markup, never run.
      await page.click('[data-field="rejected"] summary');
      expect(await page.locator('[data-field="rejected"] li code').first().textContent()).toBe(XSS_KEY);
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.evaluate<unknown>('window.__xss')).toBeUndefined();
      expect(dialogs).toBe(0);

      // Our own style and script run under the page's CSP (their nonce); nothing was blocked, nothing secret shown.
      expect(blocked).toEqual([]);
      const buttonColor = await page.evaluate<string>(
        "getComputedStyle(document.querySelector('form.sync button')).backgroundColor",
      );
      expect(buttonColor).toBe('rgb(9, 105, 218)');
      const markup = await page.content();
      for (const secret of [ADMIN_TOKEN, service.secretAccessKey]) expect(markup).not.toContain(secret);

      await page.screenshot({ path: join(TEST_OUTPUT, 'status-page-desktop.png'), fullPage: true });
      await context.close();
    });
  });

  it('fits a phone screen: no sideways scrolling, Sync now within reach', async () => {
    await withLogs(service, async () => {
      const context = await browser.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
      });
      const page = await openLoggedIn(context, service);
      // Expressions run in the page (this project compiles without the DOM's types).
      const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>(
        '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
      );
      expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
      const button = await page.locator('form.sync button').boundingBox();
      expect(button).not.toBeNull();
      expect(button!.x + button!.width).toBeLessThanOrEqual(390);
      expect(button!.height).toBeGreaterThanOrEqual(36); // a thumb-sized target
      await page.screenshot({ path: join(TEST_OUTPUT, 'status-page-phone.png'), fullPage: true });
      await context.close();
    });
  });
});

describe('status page of a service whose Git remote is down (open admin API)', () => {
  const GIT_PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
  const GIT_TOKEN = `tok-${randomBytes(8).toString('hex')}`;
  let browser: Browser;
  let service: RunningService;
  let s3: S3Objects;

  beforeAll(async () => {
    browser = await launchChromium();
    // Nothing listens there: every fetch is refused, as when the git server is down. Credentials in the URL and
    // GIT_TOKEN must never reach the page.
    const gitUrl = `http://bot:${GIT_PASSWORD}@127.0.0.1:${await freePort()}/team/dataset.git`;
    service = await startService({
      env: { GIT_REPO_URL: gitUrl, GIT_BRANCH: 'main', GIT_USERNAME: 'bot', GIT_TOKEN: GIT_TOKEN },
    });
    s3 = new S3Objects(service);
  });

  afterAll(async () => {
    s3?.close();
    await browser?.close();
    await service?.stop();
  });

  it('says what fails and what to do, keeps the change pending, and refuses a cross-site Sync', async () => {
    await withLogs(service, async () => {
      await s3.put('exports/1', annotation(1, 1));
      const context = await browser.newContext();
      const page = await context.newPage();
      const first = await page.goto(`${service.url}/_admin/`);
      expect(first?.status()).toBe(200); // no ADMIN_TOKEN: no login
      expect(await page.locator('text=Log out').count()).toBe(0);

      await Promise.all([page.waitForURL(`${service.url}/_admin/`), page.click('form.sync button')]);
      expect(await field(page, 'state')).toBe('Failing');
      const error = page.locator('[data-field="last-error"]');
      expect(await error.locator('.message').textContent()).toMatch(/cannot reach the git server .*ECONNREFUSED/);
      expect(await error.textContent()).toContain('A remote cannot be reached from this host');
      expect(await error.textContent()).toContain('Nothing is lost');
      expect(await field(page, 'pending')).toBe('1');
      expect(await page.locator('[data-field="remotes"] li').first().textContent()).toMatch(/✗ cannot reach/);
      const markup = await page.content();
      for (const secret of [GIT_PASSWORD, GIT_TOKEN, service.secretAccessKey]) expect(markup).not.toContain(secret);
      await page.screenshot({ path: join(TEST_OUTPUT, 'status-page-failing.png'), fullPage: true });

      // Open API: scripts (no Origin) may flush; another site's page may not make a browser do it.
      const forged = await fetch(`${service.url}/_admin/sync`, {
        method: 'POST',
        headers: { origin: 'https://evil.example' },
      });
      expect(forged.status).toBe(403);
      expect((await fetch(`${service.url}/_admin/sync`, { method: 'POST' })).status).toBe(200);
      await context.close();
    });
  });
});
