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

/** What `GET /_admin/sync` (and `POST`, with each flush's `outcome`) answers: one entry per project. */
export interface ProjectsStatus {
  projects: SyncStatus[];
}

/** `GET` or `POST /_admin/sync`, of every project or of `bucket` alone; anything but 200 throws with the answer. */
export async function projectsStatus(
  service: RunningService,
  method: 'GET' | 'POST' = 'GET',
  bucket?: string,
): Promise<ProjectsStatus> {
  const path = bucket === undefined ? '/_admin/sync' : `/_admin/sync?bucket=${encodeURIComponent(bucket)}`;
  const { status, text } = await admin(service, method, path);
  if (status !== 200) throw new Error(`${method} ${path} answered ${status}: ${text}`);
  return JSON.parse(text) as ProjectsStatus;
}

/**
 * The entry of one project in `{ projects: [...] }`: the bucket named, or the service's only project (the
 * single-project services of most suites).
 */
async function statusFrom(service: RunningService, method: 'GET' | 'POST', bucket?: string): Promise<SyncStatus> {
  const { projects } = await projectsStatus(service, method, bucket);
  if (projects.length !== 1)
    throw new Error(
      `${method} /_admin/sync: expected one project, got ${projects.length}: ${JSON.stringify(projects)}`,
    );
  return projects[0];
}

/** GET /_admin/sync (of `bucket`, when the service has several projects). */
export function syncStatus(service: RunningService, bucket?: string): Promise<SyncStatus> {
  return statusFrom(service, 'GET', bucket);
}

/** POST /_admin/sync: flushes, answers when done (a failed flush shows in `lastError`). */
export function flush(service: RunningService, bucket?: string): Promise<SyncStatus> {
  return statusFrom(service, 'POST', bucket);
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
  { bucket, deadlineMs = 180_000 }: { bucket?: string; deadlineMs?: number } = {},
): Promise<SyncStatus> {
  const deadline = Date.now() + deadlineMs;
  let last: SyncStatus | undefined;
  while (Date.now() < deadline) {
    last = await syncStatus(service, bucket);
    if (done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what} after ${deadlineMs / 1000}s; last status: ${JSON.stringify(last)}`);
}
