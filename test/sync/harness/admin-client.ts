import type { SyncStatus } from '../../../src/sync/sync-status.types.js';
import type { RunningService } from '../../support/service.js';

/** The admin API as an operator uses it (with ADMIN_TOKEN when the service has one). */
export async function admin(
  service: RunningService,
  method: 'GET' | 'POST',
  path: string,
): Promise<{ status: number; text: string }> {
  const token = service.env.ADMIN_TOKEN;
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: response.status, text: await response.text() };
}

async function statusFrom(service: RunningService, method: 'GET' | 'POST'): Promise<SyncStatus> {
  const { status, text } = await admin(service, method, '/_admin/sync');
  if (status !== 200) throw new Error(`${method} /_admin/sync answered ${status}: ${text}`);
  return JSON.parse(text) as SyncStatus;
}

/** GET /_admin/sync. */
export function syncStatus(service: RunningService): Promise<SyncStatus> {
  return statusFrom(service, 'GET');
}

/** POST /_admin/sync: flushes, answers when done (a failed flush shows in `lastError`). */
export function flush(service: RunningService): Promise<SyncStatus> {
  return statusFrom(service, 'POST');
}

/** GET /_admin/health, as raw text (for "no secret in it" checks). */
export async function healthText(service: RunningService): Promise<string> {
  return (await admin(service, 'GET', '/_admin/health')).text;
}

/**
 * Polls GET /_admin/sync until `done` holds. The deadline only bounds a hang (it is generous on purpose):
 * nothing is asserted about how fast the service is.
 */
export async function waitForStatus(
  service: RunningService,
  what: string,
  done: (status: SyncStatus) => boolean,
  deadlineMs = 180_000,
): Promise<SyncStatus> {
  const deadline = Date.now() + deadlineMs;
  let last: SyncStatus | undefined;
  while (Date.now() < deadline) {
    last = await syncStatus(service);
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`gave up waiting for ${what} after ${deadlineMs / 1000}s; last status: ${JSON.stringify(last)}`);
}
