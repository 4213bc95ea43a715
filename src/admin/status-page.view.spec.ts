import { describe, expect, it } from '@jest/globals';
import { MinuteWindow } from '../metrics/minute.window.js';
import type { FlushSummary, SyncStatus } from '../sync/sync-status.types.js';
import type { ProjectStatusView, StatusPageModel } from './status-page.model.js';
import { relative, renderLoginPage, renderStatusPage } from './status-page.view.js';

const NOW = Date.parse('2026-01-01T12:00:00.000Z');
const NONCE = 'bm9uY2Utbm9uY2U=';
const ATTACK = '<script>alert(1)</script><img src=x onerror=alert(2)>';

function status(fields: Partial<SyncStatus> = {}): SyncStatus {
  return {
    bucket: 'annotations',
    pending: 0,
    running: false,
    lastCommit: null,
    lastSyncAt: null,
    lastError: null,
    lastErrorAt: null,
    consecutiveFailures: 0,
    nextRetryAt: null,
    branch: 'main',
    repository: 'https://git.example/team/data.git',
    dataset: 'data/annotations.json',
    layout: 'json',
    remote: 's3://dvc/store',
    rejected: [],
    rejectedCount: 0,
    lastFlush: null,
    storage: { ok: true },
    ...fields,
  };
}

const commit = (fields: Partial<FlushSummary>): FlushSummary => ({
  commit: '0123456789abcdef0123456789abcdef01234567',
  added: 0,
  updated: 0,
  deleted: 0,
  uploadedObjects: 0,
  rebases: 0,
  merged: false,
  durationMs: 250,
  finishedAt: '2026-01-01T11:58:00.000Z',
  ...fields,
});

function page(project: Partial<ProjectStatusView> = {}, model: Partial<StatusPageModel> = {}): string {
  return renderStatusPage(
    {
      now: NOW,
      refreshSeconds: 10,
      loggedIn: false,
      projects: [
        {
          name: 'annotations',
          sync: status(),
          commits: [],
          remotes: {
            git: { ok: true, url: 'https://git.example/team/data.git', branch: 'main' },
            dvcRemote: { ok: true, remote: 's3://dvc/store' },
          },
          advice: null,
          puts: new MinuteWindow(15).minutes(NOW),
          ...project,
        },
      ],
      ...model,
    },
    NONCE,
  );
}

/** The text of the element marked `data-field="name"` (no nested element of the same tag in these). */
function field(markup: string, name: string): string | undefined {
  const match = new RegExp(`<(\\w+)[^>]*data-field="${name}"[^>]*>([\\s\\S]*?)</\\1>`).exec(markup);
  return match?.[2]
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

describe('status page view', () => {
  it.each([
    ['in sync', status(), 'In sync'],
    ['changes waiting', status({ pending: 3 }), '3 pending'],
    ['a flush running', status({ pending: 3, running: true }), 'Syncing…'],
    [
      'the last flush failed',
      status({ pending: 3, lastError: 'boom', lastErrorAt: '2026-01-01T11:59:00.000Z' }),
      'Failing',
    ],
  ])('state: %s → %s', (_name, sync, state) => {
    expect(field(page({ sync }), 'state')).toBe(state);
  });

  it('escapes user data everywhere it appears: object keys, reasons, error messages, names', () => {
    const markup = page({
      name: `bucket${ATTACK}`,
      sync: status({
        pending: 1,
        lastError: `object ${ATTACK} failed`,
        lastErrorAt: '2026-01-01T11:59:00.000Z',
        rejected: [{ key: `exports/${ATTACK}`, reason: `not JSON: ${ATTACK}` }],
        rejectedCount: 1,
        branch: `main${ATTACK}`,
      }),
      advice: 'check it',
      remotes: {
        git: { ok: false, error: `refused ${ATTACK}`, url: 'https://git.example/x.git', branch: 'main' },
        dvcRemote: { ok: true, remote: 's3://dvc/store' },
      },
    });
    expect(markup).not.toContain('<script>alert');
    expect(markup).not.toContain('<img');
    // Shown, as text: the name (heading and attribute), branch, error, key, reason, remote error.
    expect(markup.split('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;').length - 1).toBe(7);
    // The only scripts and styles are ours, with this answer's nonce (the CSP allows nothing else).
    expect(markup.match(/<script[^>]*>/g)).toEqual([`<script nonce="${NONCE}">`]);
    expect(markup.match(/<style[^>]*>/g)).toEqual([`<style nonce="${NONCE}">`]);
  });

  it('explains a failure: the message, what to do, that nothing is lost, when it retries', () => {
    const markup = page({
      sync: status({
        pending: 2,
        lastError: 'cannot reach the git server at https://git.example/x.git: ECONNREFUSED',
        lastErrorAt: '2026-01-01T11:59:30.000Z',
        consecutiveFailures: 3,
        nextRetryAt: '2026-01-01T12:00:40.000Z',
      }),
      advice: 'A remote cannot be reached from this host.',
    });
    const card = field(markup, 'last-error');
    for (const part of [
      'Last flush failed 30 s ago · 3 failures in a row',
      'cannot reach the git server at https://git.example/x.git: ECONNREFUSED',
      'What to do: A remote cannot be reached from this host.',
      'Nothing is lost: acknowledged changes stay pending',
      'next try in 40 s',
    ])
      expect(card).toContain(part);
  });

  it('lists the commits, newest first as given, with their changes and duration', () => {
    const markup = page({
      commits: [
        commit({ commit: 'a'.repeat(40), added: 2, updated: 1, deleted: 4, durationMs: 1500, merged: true }),
        commit({ commit: 'b'.repeat(40), added: 7, finishedAt: '2026-01-01T10:00:00.000Z' }),
      ],
    });
    const rows = [...markup.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].slice(1).map((row) =>
      row[1]
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    );
    expect(rows).toEqual([
      `${'a'.repeat(10)} merged 2 min ago +2 ~1 −4 1.5 s`,
      `${'b'.repeat(10)} 2 h ago +7 ~0 −0 250 ms`,
    ]);
    expect(field(page(), 'commits')).toBe('No commit yet.');
  });

  it('shows the PUTs of the window: total, last full minute, latency, failures', () => {
    const window = new MinuteWindow(15);
    window.record(NOW - 50_000, 4, false); // the last full minute
    window.record(NOW - 45_000, 8, true);
    window.record(NOW, 30, false); // this minute
    expect(field(page({ puts: window.minutes(NOW) }), 'puts')).toBe(
      '3 PUTs 2 in the last full minute mean 14 ms max 30 ms 1 failed',
    );
    expect(field(page(), 'puts')).toBe('0 PUTs 0 in the last full minute mean – max – 0 failed');
    // Nothing arriving is said in words (the usual cause: Label Studio is not writing here).
    expect(field(page(), 'no-puts')).toMatch(/^No PUT in the last 15 minutes: annotations are not arriving/);
    expect(field(page({ puts: window.minutes(NOW) }), 'no-puts')).toBeUndefined();
  });

  it('says "checking" while the remotes have not answered', () => {
    expect(field(page({ remotes: null }), 'remotes')).toBe(
      'Git https://git.example/team/data.git branch checking… DVC s3://dvc/store checking…',
    );
  });

  it('offers to log out only to a browser with a session', () => {
    expect(page({}, { loggedIn: true })).toContain('action="/_admin/logout"');
    expect(page({}, { loggedIn: false })).not.toContain('action="/_admin/logout"');
  });

  it('reads on a phone and refreshes itself (by script; by meta refresh without script)', () => {
    const markup = page();
    expect(markup).toContain('<meta name="viewport" content="width=device-width, initial-scale=1" />');
    expect(markup).toMatch(/<noscript><meta http-equiv="refresh" content="10" \/><\/noscript>/);
    expect(markup).toContain('location.reload()');
  });
});

describe('login page', () => {
  it('posts the token in a form field, never in the URL, and escapes its message', () => {
    const markup = renderLoginPage(NONCE, ATTACK);
    expect(markup).toContain('<form class="login" method="post" action="/_admin/login">');
    expect(markup).toMatch(/<input id="token" name="token" type="password"/);
    expect(markup).not.toContain('<script>alert');
    expect(markup).not.toContain('http-equiv="refresh"');
  });
});

describe('relative time', () => {
  it.each([
    [0, 'just now'],
    [1_000, 'just now'],
    [30_000, '30 s ago'],
    [150_000, '2 min ago'],
    [7_200_000, '2 h ago'],
    [3 * 86_400_000, '3 d ago'],
    [-40_000, 'in 40 s'],
  ])('%d ms before now → %s', (ago, text) => {
    expect(relative(NOW - ago, NOW)).toBe(text);
  });

  it('gives each project its own section, whose Sync now flushes that project only', () => {
    const base = { sync: status(), commits: [], remotes: null, advice: null, puts: new MinuteWindow(15).minutes(NOW) };
    const markup = renderStatusPage(
      {
        now: NOW,
        refreshSeconds: 10,
        loggedIn: false,
        projects: [
          { ...base, name: 'sentiment', sync: status({ bucket: 'sentiment', pending: 2 }) },
          {
            ...base,
            name: 'ner',
            sync: status({ bucket: 'ner', lastError: 'boom', lastErrorAt: '2026-01-01T11:59:00.000Z' }),
          },
        ],
      },
      NONCE,
    );
    const sections = markup.split('<section class="project"').slice(1);
    expect(sections.map((section) => /data-project="([^"]+)"/.exec(section)?.[1])).toEqual(['sentiment', 'ner']);
    expect(sections.map((section) => /<form class="sync" method="post" action="([^"]+)"/.exec(section)?.[1])).toEqual([
      '/_admin/sync?bucket=sentiment',
      '/_admin/sync?bucket=ner',
    ]);
    expect([field(sections[0], 'state'), field(sections[1], 'state')]).toEqual(['2 pending', 'Failing']);
  });
});
