import type { MinuteStats } from '../metrics/minute.window.js';
import type { FlushSummary } from '../sync/sync-status.types.js';
import { html, SafeHtml } from './html.template.js';
import type { RemotesHealth } from './remote-health.probe.js';
import type { ProjectStatusView, StatusPageModel } from './status-page.model.js';

/** How many rejected keys the page lists (the JSON status has the first 100). */
const REJECTED_LISTED = 20;

const STYLE = `
:root { color-scheme: light dark; --bg: #f6f7f9; --card: #fff; --text: #1d232b; --muted: #5f6b7a; --line: #e2e6eb;
  --ok: #1a7f37; --ok-bg: #dafbe1; --warn: #9a6700; --warn-bg: #fff8c5; --err: #cf222e; --err-bg: #ffebe9;
  --accent: #0969da; --bar: #54aeff; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --card: #161b22; --text: #e6edf3; --muted: #8d96a0;
  --line: #30363d; --ok: #3fb950; --ok-bg: #12261e; --warn: #d29922; --warn-bg: #272115; --err: #f85149;
  --err-bg: #25171c; --accent: #4493f8; --bar: #388bfd; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .25rem 1rem; padding: .9rem max(1rem, calc(50% - 29rem)); border-bottom: 1px solid var(--line); background: var(--card); }
header h1 { font-size: 1.1rem; margin: 0; flex: 1; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; display: grid; gap: 1rem; }
section.project { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.1rem; min-width: 0; }
.head { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem .75rem; }
.head h2 { margin: 0; font-size: 1.25rem; overflow-wrap: anywhere; }
.head form { margin-left: auto; }
h3 { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 1.3rem 0 .5rem; }
.muted { color: var(--muted); font-size: .85rem; }
.pill { display: inline-block; padding: .1rem .6rem; border-radius: 999px; font-size: .8rem; font-weight: 600; }
.ok { color: var(--ok); } .warn { color: var(--warn); } .err { color: var(--err); }
.pill.ok { background: var(--ok-bg); } .pill.warn { background: var(--warn-bg); } .pill.err { background: var(--err-bg); }
button { font: inherit; font-weight: 600; border: 0; border-radius: 6px; padding: .45rem 1rem; background: var(--accent); color: #fff; cursor: pointer; min-height: 2.4rem; }
button[disabled] { opacity: .6; cursor: progress; }
button.link { background: none; color: var(--accent); padding: .2rem .4rem; min-height: 0; font-weight: 400; }
dl.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(9.5rem, 1fr)); gap: .75rem; margin: 1rem 0 0; }
dl.facts div { border: 1px solid var(--line); border-radius: 8px; padding: .5rem .7rem; min-width: 0; }
dt { font-size: .75rem; color: var(--muted); }
dd { margin: .1rem 0 0; font-weight: 600; overflow-wrap: anywhere; }
dd.big { font-size: 1.5rem; line-height: 1.2; }
.error { border: 1px solid var(--err); background: var(--err-bg); border-radius: 8px; padding: .7rem .9rem; margin-top: 1rem; }
.error p { margin: .3rem 0; overflow-wrap: anywhere; }
.error .message { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; white-space: pre-wrap; }
ul.remotes { list-style: none; margin: 0; padding: 0; display: grid; gap: .4rem; }
ul.remotes li { display: grid; grid-template-columns: 5.5rem 1fr; gap: .5rem; align-items: baseline; }
ul.remotes .where { overflow-wrap: anywhere; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85em; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { font-size: .75rem; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
svg.puts { width: 100%; height: 4.5rem; display: block; }
svg.puts rect.req { fill: var(--bar); } svg.puts rect.fail { fill: var(--err); }
svg.puts line { stroke: var(--line); }
.quiet { border: 1px dashed var(--line); border-radius: 8px; padding: .8rem; margin: 0; font-size: .9rem; }
.axis { display: flex; justify-content: space-between; font-size: .75rem; }
td.changes { font-variant-numeric: tabular-nums; } td.changes span { margin-right: .4rem; }
p.legend { margin: .3rem 0 0; font-size: .75rem; }
@media (max-width: 30rem) { main { padding: .6rem; } section.project { padding: .9rem .75rem; }
  th, td { padding: .35rem .25rem; } td.changes span { margin-right: .2rem; } ul.remotes li { grid-template-columns: 3.2rem 1fr; } }
.stats { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; margin-top: .4rem; font-size: .85rem; }
details { margin-top: 1rem; }
details summary { cursor: pointer; }
details li { overflow-wrap: anywhere; }
form.login { max-width: 24rem; margin: 3rem auto; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1.25rem; display: grid; gap: .75rem; }
form.login h1 { font-size: 1.2rem; margin: 0; }
input { font: inherit; padding: .5rem .6rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--text); width: 100%; }
`;

/**
 * Disables *Sync now* while the flush runs (the POST answers when it is done), and reloads the page every few
 * seconds, but never while a POST is on its way: a reload would abandon it.
 */
const SCRIPT = (refreshSeconds: number) => `
let busy = false;
for (const form of document.querySelectorAll('form.sync')) form.addEventListener('submit', () => {
  busy = true;
  const button = form.querySelector('button');
  button.disabled = true;
  button.textContent = 'Syncing…';
});
setInterval(() => { if (!busy && !document.hidden) location.reload(); }, ${refreshSeconds * 1000});
`;

// Our own constant CSS and script (no user data in them), the only markup not built by html``.
function layout(title: string, nonce: string, body: SafeHtml, refreshSeconds?: number): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>${title}</title>
        <link rel="icon" href="data:," />
        <style nonce="${nonce}">
          ${new SafeHtml(STYLE)}
        </style>
        ${refreshSeconds !== undefined && html`<noscript><meta http-equiv="refresh" content="${refreshSeconds}" /></noscript>`}
      </head>
      <body>
        ${body}
        ${
          refreshSeconds !== undefined &&
          html`<script nonce="${nonce}">
            ${new SafeHtml(SCRIPT(refreshSeconds))};
          </script>`
        }
      </body>
    </html> `.toString();
}

/** The status page: one card per project. `nonce` allows exactly this page's inline style and script (CSP). */
export function renderStatusPage(model: StatusPageModel, nonce: string): string {
  const body = html`<header>
      <h1>DVC Sync S3 API</h1>
      <span class="muted"
        >updated <time datetime="${iso(model.now)}">${clock(model.now)}</time> · refreshes every ${model.refreshSeconds}
        s</span
      >
      ${model.loggedIn && html`<form method="post" action="/_admin/logout"><button class="link" type="submit">Log out</button></form>`}
    </header>
    <main>${model.projects.map((project) => projectCard(project, model.now))}</main>`;
  return layout('DVC Sync — status', nonce, body, model.refreshSeconds);
}

/** The login form for a browser without the session cookie; `error` after a wrong token. */
export function renderLoginPage(nonce: string, error?: string): string {
  const body = html`<form class="login" method="post" action="/_admin/login">
    <h1>DVC Sync S3 API</h1>
    <p class="muted">This status page needs the admin token (the service's <code>ADMIN_TOKEN</code> setting).</p>
    ${error && html`<p class="err" role="alert">${error}</p>`}
    <label for="token">Admin token</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
    <button type="submit">Log in</button>
  </form>`;
  return layout('DVC Sync — log in', nonce, body);
}

function projectCard(project: ProjectStatusView, now: number): SafeHtml {
  const { sync } = project;
  return html`<section class="project" data-project="${project.name}">
    <div class="head">
      <h2>${project.name}</h2>
      ${statePill(project)}
      <form class="sync" method="post" action="/_admin/sync?bucket=${encodeURIComponent(project.name)}">
        <button type="submit">Sync now</button>
      </form>
    </div>
    <dl class="facts">
      <div>
        <dt>Pending changes</dt>
        <dd class="big" data-field="pending">${sync.pending}</dd>
      </div>
      <div>
        <dt>Last sync</dt>
        <dd data-field="last-sync">${sync.lastSyncAt ? when(sync.lastSyncAt, now) : 'never'}</dd>
      </div>
      <div>
        <dt>Branch</dt>
        <dd><code>${sync.branch}</code></dd>
      </div>
      <div>
        <dt>Dataset</dt>
        <dd><code>${sync.dataset}</code> <span class="muted">${sync.layout}</span></dd>
      </div>
    </dl>
    ${sync.lastError && errorCard(project, now)}
    <h3>Remotes</h3>
    ${remotesList(project.remotes, sync.repository, sync.remote)}
    <h3>PUT requests, last ${project.puts.length} minutes</h3>
    ${putChart(project.puts)}
    <h3>Last commits</h3>
    ${commitsTable(project.commits, now)} ${sync.rejectedCount > 0 && rejectedList(project)}
  </section>`;
}

function statePill(project: ProjectStatusView): SafeHtml {
  const { sync } = project;
  if (sync.lastError) return html`<span class="pill err" data-field="state">Failing</span>`;
  if (sync.running) return html`<span class="pill warn" data-field="state">Syncing…</span>`;
  if (sync.pending > 0) return html`<span class="pill warn" data-field="state">${sync.pending} pending</span>`;
  return html`<span class="pill ok" data-field="state">In sync</span>`;
}

function errorCard(project: ProjectStatusView, now: number): SafeHtml {
  const { sync } = project;
  return html`<div class="error" role="alert" data-field="last-error">
    <p>
      <strong class="err">Last flush failed</strong>
      ${sync.lastErrorAt && html`<span class="muted">${when(sync.lastErrorAt, now)}</span>`}
      ${sync.consecutiveFailures > 1 && html`<span class="muted">· ${sync.consecutiveFailures} failures in a row</span>`}
    </p>
    <p class="message">${sync.lastError}</p>
    <p><strong>What to do:</strong> ${project.advice}</p>
    <p class="muted">
      Nothing is lost: acknowledged changes stay pending and the service retries with
      backoff${sync.nextRetryAt ? html` (next try ${when(sync.nextRetryAt, now)})` : ''}. Press <em>Sync now</em> once
      the cause is fixed.
    </p>
  </div>`;
}

function remotesList(remotes: RemotesHealth | null, repository: string, dvcRemote: string | null): SafeHtml {
  const row = (name: string, where: SafeHtml, health: { ok: boolean; error?: string } | undefined) =>
    html`<li>
      <strong>${name}</strong
      ><span class="where"
        >${where}<br />${
          health === undefined
            ? html`<span class="muted">checking…</span>`
            : health.ok
              ? html`<span class="ok">✓ reachable</span>`
              : html`<span class="err">✗ ${health.error ?? 'unreachable'}</span>`
        }</span
      >
    </li>`;
  return html`<ul class="remotes" data-field="remotes">
    ${row('Git', html`<code>${repository}</code> <span class="muted">branch</span> <code>${remotes?.git.branch ?? ''}</code>`, remotes?.git)}
    ${row('DVC', html`<code>${dvcRemote ?? remotes?.dvcRemote.remote ?? 'not known yet'}</code>`, remotes?.dvcRemote)}
  </ul>`;
}

function putChart(minutes: MinuteStats[]): SafeHtml {
  const total = minutes.reduce((sum, minute) => sum + minute.requests, 0);
  const errors = minutes.reduce((sum, minute) => sum + minute.errors, 0);
  const peak = Math.max(1, ...minutes.map((minute) => minute.requests));
  const width = 10;
  const height = 60;
  const bars = minutes.map((minute, i) => {
    const h = (minute.requests / peak) * (height - 4);
    const fail = (minute.errors / peak) * (height - 4);
    const label = `${clock(Date.parse(minute.minute)).slice(0, 5)} UTC: ${minute.requests} PUT${minute.requests === 1 ? '' : 's'}${
      minute.errors ? `, ${minute.errors} failed` : ''
    }${minute.meanMs === null ? '' : `, mean ${ms(minute.meanMs)}, max ${ms(minute.maxMs!)}`}`;
    return html`<g
      ><title>${label}</title
      ><rect class="req" x="${i * width + 1}" y="${height - h}" width="${width - 2}" height="${h}"></rect>${
        fail > 0 &&
        html`<rect class="fail" x="${i * width + 1}" y="${height - fail}" width="${width - 2}" height="${fail}"></rect>`
      }</g
    >`;
  });
  const latencies = minutes.filter((minute) => minute.meanMs !== null);
  const mean = total ? latencies.reduce((sum, minute) => sum + minute.meanMs! * minute.requests, 0) / total : null;
  const max = latencies.length ? Math.max(...latencies.map((minute) => minute.maxMs!)) : null;
  const lastFull = minutes.at(-2)?.requests ?? 0;
  const chart =
    total === 0
      ? html`<p class="quiet muted" data-field="no-puts">
          No PUT in the last ${minutes.length} minutes: annotations are not arriving. Is Label Studio's Target storage
          set to this endpoint?
        </p>`
      : html`<svg
            class="puts"
            viewBox="0 0 ${minutes.length * width} ${height}"
            preserveAspectRatio="none"
            role="img"
            aria-label="PUT requests per minute"
          >
            <line x1="0" y1="${height - 0.5}" x2="${minutes.length * width}" y2="${height - 0.5}"></line>
            ${bars}
          </svg>
          <div class="axis muted"><span>${minutes.length} min ago</span><span>now</span></div>`;
  return html`${chart}
    <div class="stats" data-field="puts">
      <span><strong data-field="put-total">${total}</strong> PUTs</span>
      <span><strong>${lastFull}</strong> in the last full minute</span>
      <span>mean <strong>${mean === null ? '–' : ms(mean)}</strong></span>
      <span>max <strong>${max === null ? '–' : ms(max)}</strong></span>
      <span class="${errors ? 'err' : ''}"><strong>${errors}</strong> failed</span>
    </div>`;
}

function commitsTable(commits: FlushSummary[], now: number): SafeHtml {
  if (commits.length === 0) return html`<p class="muted" data-field="commits">No commit yet.</p>`;
  return html`<div class="scroll">
      <table data-field="commits">
        <thead>
          <tr>
            <th>Commit</th>
            <th>When</th>
            <th title="added, updated, deleted">Changes</th>
            <th class="num">Took</th>
          </tr>
        </thead>
        <tbody>
          ${commits.map(
            (commit) =>
              html`<tr>
                <td>
                  <code title="${commit.commit}">${commit.commit?.slice(0, 10)}</code
                  >${commit.merged ? html` <span class="muted">merged</span>` : ''}
                </td>
                <td>${when(commit.finishedAt, now)}</td>
                <td class="changes">
                  <span class="ok" title="added" data-field="added">+${commit.added}</span>
                  <span class="warn" title="updated" data-field="updated">~${commit.updated}</span>
                  <span class="err" title="deleted" data-field="deleted">−${commit.deleted}</span>
                </td>
                <td class="num">${seconds(commit.durationMs)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <p class="legend muted">+ added · ~ updated · − deleted (tasks or files of the dataset)</p>`;
}

function rejectedList(project: ProjectStatusView): SafeHtml {
  const { rejected, rejectedCount } = project.sync;
  const listed = rejected.slice(0, REJECTED_LISTED);
  return html`<details data-field="rejected">
    <summary>
      <span class="warn">${rejectedCount} object${rejectedCount === 1 ? '' : 's'}</span> kept in storage but left out of
      the dataset
    </summary>
    <ul>
      ${listed.map((item) => html`<li><code>${item.key}</code> — ${item.reason}</li>`)}
    </ul>
    ${rejectedCount > listed.length && html`<p class="muted">and ${rejectedCount - listed.length} more (GET /_admin/sync lists the first ${rejected.length}).</p>`}
  </details>`;
}

/** "12 s ago" with the exact UTC time on hover (for times in the future too: the next retry). */
export function when(isoTime: string, now: number): SafeHtml {
  const at = Date.parse(isoTime);
  return html`<time datetime="${isoTime}" title="${isoTime.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}"
    >${relative(at, now)}</time
  >`;
}

export function relative(at: number, now: number): string {
  const delta = Math.round((now - at) / 1000);
  const size = Math.abs(delta);
  const amount =
    size < 60
      ? `${size} s`
      : size < 3600
        ? `${Math.floor(size / 60)} min`
        : size < 86_400
          ? `${Math.floor(size / 3600)} h`
          : `${Math.floor(size / 86_400)} d`;
  if (size < 2) return 'just now';
  return delta >= 0 ? `${amount} ago` : `in ${amount}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function clock(ms: number): string {
  return `${iso(ms).slice(11, 19)} UTC`;
}

function ms(value: number): string {
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}

function seconds(durationMs: number): string {
  return durationMs < 1000 ? `${durationMs} ms` : `${(durationMs / 1000).toFixed(1)} s`;
}
