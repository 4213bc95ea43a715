/**
 * What serving many projects from one process costs (many projects per service): one service with `--projects` projects in
 * a PROJECTS_FILE (each its own bucket, key pair and embedded repository + DVC remote) against one service without
 * a projects file (the environment as the single project, as before projects existed):
 *   - startup: time from spawn to the first 200 of GET /_admin/health, and RSS then, on a fresh DATA_DIR and on a
 *     restart over the same data (interleaved, `--starts` times each);
 *   - PUTs spread over every bucket (each signed with its project's own key), side by side with the same PUTs on
 *     the single project, in interleaved rounds (the order rotates): PUT throughput, p50/p99, server CPU per PUT,
 *     under three loads:
 *       `scheduled`: every project flushes on its own schedule, as users run it (a second pair of services, whose
 *         projects file and environment set `sync.intervalSeconds` = --interval and `sync.maxPending` =
 *         --max-pending; `--scheduled-requests` PUTs a round, long enough for several intervals);
 *       `loop`: `POST /_admin/sync` flushes every project again and again, back to back (adversarial: as many
 *         flushes as the slots allow, whatever the schedule);
 *       `idle`: no flush running, which tells the request path's cost from the flushes';
 *   - memory: RSS after the load, and (RSS with N − RSS with 1) ÷ (N − 1) per project.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json && node bench/.out/projects-scale.js [--projects=50] [--rounds=3]
 *     [--requests=2000] [--concurrency=8] [--body=2048] [--starts=3]
 *     [--interval=10] [--max-pending=500] [--scheduled-requests=8000]
 *
 * Writes bench/results/projects-scale.md (or --out=<name>). Not a test: nothing here passes or fails on a number.
 */
import { type LatencySummary, paddedBody, runLoad, summarize } from './lib/load.js';
import {
  httpCall,
  processCpuMs,
  removeTempDirs,
  residentBytes,
  runBench,
  type Service,
  startService,
} from './lib/processes.js';
import { int, loadAverage, log, median, ms, RunInfo, writeResult } from './lib/report.js';
import { S3Putter } from './lib/s3-put.js';
import { option, outName } from './lib/cli-options.js';
import { NO_SCHEDULE, projectsFile, type SyncSchedule } from './lib/projects-file.js';

const PROJECTS = option('projects', 50);
const ROUNDS = option('rounds', 3);
const REQUESTS = option('requests', 2000);
const CONCURRENCY = option('concurrency', 8);
const BODY = option('body', 2048);
const STARTS = option('starts', 3);
/** How many of the projects receive the PUTs (default: all). `--buckets=1`: 50 projects loaded, one of them written. */
const BUCKETS = option('buckets', PROJECTS);
/** The schedule of the `scheduled` load (the service's defaults are 30 s and 500: rounds would have to last minutes). */
const INTERVAL = option('interval', 10);
const MAX_PENDING = option('max-pending', 500);
const SCHEDULED_REQUESTS = option('scheduled-requests', 8000);
const WARMUP = 1000; // every bucket of the 50 gets its first PUTs and its first commit before the timed rounds
const DATASET = 'data/annotations'; // directory layout: any body is a dataset file

type TargetName = 'single' | 'many';
const ORDER: TargetName[] = ['single', 'many'];

/** How a service flushes: only when asked (`POST /_admin/sync`), or on its projects' own schedule. */
type Schedule = 'manual' | 'scheduled';
const SCHEDULES: Record<Schedule, SyncSchedule> = {
  manual: NO_SCHEDULE,
  scheduled: { intervalSeconds: INTERVAL, maxPending: MAX_PENDING },
};

/** Resident set size of a process, in MiB. */
const rssMiB = (pid: number) => residentBytes(pid) / 1024 ** 2;

interface StartSample {
  target: TargetName;
  kind: 'fresh' | 'restart';
  ms: number;
  rssMiB: number;
}

function settingsFor(target: TargetName, file: string, sync: SyncSchedule = NO_SCHEDULE): Record<string, string> {
  // Beside PROJECTS_FILE the dataset path (and here the schedule) comes from the file only (the service refuses
  // DVC_DATASET_PATH there).
  if (target === 'many') return { PROJECTS_FILE: file };
  return {
    DVC_DATASET_PATH: DATASET,
    SYNC_INTERVAL_SECONDS: String(sync.intervalSeconds),
    SYNC_MAX_PENDING: String(sync.maxPending),
  };
}

/** Spawn → first 200 of /_admin/health (`readyMs` of startService), fresh and then on the same data. */
async function measureStarts(file: string): Promise<StartSample[]> {
  const samples: StartSample[] = [];
  // One untimed start first: the first process after a build reads every module from disk, not from the page cache.
  await (await startService(settingsFor('single', file))).kill();
  for (let i = 0; i < STARTS; i++) {
    const order = i % 2 === 0 ? ORDER : [...ORDER].reverse();
    for (const target of order) {
      const settings = settingsFor(target, file);
      const fresh = await startService(settings);
      samples.push({ target, kind: 'fresh', ms: fresh.readyMs, rssMiB: rssMiB(fresh.pid) });
      await fresh.kill();
      const again = await startService(settings, { previous: fresh });
      samples.push({ target, kind: 'restart', ms: again.readyMs, rssMiB: rssMiB(again.pid) });
      await again.kill();
      log(
        `start ${i + 1} ${target.padEnd(6)} fresh ${int(samples.at(-2)!.ms)} ms (${ms(samples.at(-2)!.rssMiB)} MiB), restart ${int(samples.at(-1)!.ms)} ms (${ms(samples.at(-1)!.rssMiB)} MiB)`,
      );
    }
  }
  return samples;
}

interface FlushCounts {
  committed: number;
  failed: number;
  all: number;
}

/** Flushes so far, summed over the projects: `dvc_sync_flushes_total{bucket, outcome}` of GET /_admin/metrics. */
async function flushCounts(service: Service): Promise<FlushCounts> {
  const answer = await httpCall('GET', `${service.url}/_admin/metrics`);
  if (answer.status !== 200) throw new Error(`GET /_admin/metrics answered ${answer.status}`);
  const counts = { committed: 0, failed: 0, all: 0 };
  for (const match of answer.text.matchAll(/^dvc_sync_flushes_total\{[^}]*outcome="([^"]+)"[^}]*\} (\d+)$/gm)) {
    const value = Number(match[2]);
    counts.all += value;
    if (match[1] === 'committed' || match[1] === 'failed') counts[match[1]] += value;
  }
  return counts;
}

/** Sends `POST /_admin/sync` (every project) again and again until stopped; counts the calls. */
function flushLoop(service: Service) {
  let stopping = false;
  let calls = 0;
  const errors: string[] = [];
  const running = (async () => {
    while (!stopping) {
      const answer = await httpCall('POST', `${service.url}/_admin/sync`);
      if (answer.status !== 200) throw new Error(`POST /_admin/sync answered ${answer.status}: ${answer.text}`);
      const body = JSON.parse(answer.text) as {
        projects?: Array<{ lastError: string | null }>;
        lastError?: string | null;
      };
      for (const project of body.projects ?? [body])
        if (project.lastError && errors.length < 3) errors.push(project.lastError);
      calls++;
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      await running;
      if (errors.length) throw new Error(`flushes failed: ${errors.join('\n')}`);
      return calls;
    },
  };
}

/**
 * `scheduled`: PUTs while every project flushes on its own schedule (what users meet); `loop`: PUTs while
 * `POST /_admin/sync` runs back to back (adversarial); `idle`: the same PUTs, no flush (the request path alone).
 */
type Mode = 'scheduled' | 'loop' | 'idle';
const MODES: Mode[] = ['scheduled', 'loop', 'idle'];
const scheduleOf = (mode: Mode): Schedule => (mode === 'scheduled' ? 'scheduled' : 'manual');
const requestsOf = (mode: Mode) => (mode === 'scheduled' ? SCHEDULED_REQUESTS : REQUESTS);

interface RoundResult {
  target: TargetName;
  mode: Mode;
  round: number;
  summary: LatencySummary;
  serverCpuMs: number;
  /** `POST /_admin/sync` calls that completed during the round (each flushes every project). */
  calls: number;
  /** Flushes during the round (dvc_sync_flushes_total): those that committed, and all (failed ones are errors). */
  flushes: { committed: number; all: number };
}

async function loadRound(
  target: TargetName,
  service: Service,
  putterFor: (i: number) => S3Putter,
  round: number,
  mode: Mode,
): Promise<RoundResult> {
  const flusher = mode === 'loop' ? flushLoop(service) : undefined;
  const requests = requestsOf(mode);
  const flushes0 = await flushCounts(service);
  const cpu0 = processCpuMs(service.pid);
  const result = await runLoad(putterFor(0), {
    requests,
    concurrency: CONCURRENCY,
    putterFor,
    object: (i) => ({
      key: `ls/${mode}-${round}-${i}.json`,
      body: paddedBody(`${target}-${mode}-${round}-${i}`, BODY),
    }),
  });
  const serverCpuMs = (processCpuMs(service.pid) - cpu0) / requests;
  const flushes1 = await flushCounts(service);
  const calls = flusher ? await flusher.stop() : 0;
  if (result.errors.length)
    throw new Error(`PUTs failed:\n${result.errors.join('\n')}\n--- log ---\n${service.logs().slice(-4000)}`);
  if (flushes1.failed > flushes0.failed) throw new Error(`flushes failed:\n${service.logs().slice(-4000)}`);
  const flushes = { committed: flushes1.committed - flushes0.committed, all: flushes1.all - flushes0.all };
  const summary = summarize(result.samples, result.wallMs);
  if (mode === 'scheduled') await flushLoop(service).stop(); // untimed: nothing left to flush during the next round
  return { target, mode, round, summary, serverCpuMs, calls, flushes };
}

async function main() {
  const info = new RunInfo();
  log(
    `load average ${info.loadBefore}; ${PROJECTS} projects vs 1; ${ROUNDS} rounds × ${REQUESTS} PUTs (scheduled: ${SCHEDULED_REQUESTS}, every ${INTERVAL} s or at ${MAX_PENDING} pending)`,
  );
  const files = {
    manual: projectsFile(PROJECTS, DATASET),
    scheduled: projectsFile(PROJECTS, DATASET, SCHEDULES.scheduled),
  };

  const starts = await measureStarts(files.manual.file);

  // Two pairs: the `loop` and `idle` rounds run on services that flush only when asked, the `scheduled` ones on
  // services whose projects flush on their own.
  const services = {} as Record<Schedule, Record<TargetName, Service>>;
  const putterFor = {} as Record<Schedule, Record<TargetName, (i: number) => S3Putter>>;
  const putters: S3Putter[] = [];
  const results: RoundResult[] = [];
  let rssAtStart: Record<TargetName, number> | undefined;
  let rssAfter: Record<TargetName, number> | undefined;
  try {
    for (const schedule of ['manual', 'scheduled'] as const) {
      const { file, projects } = files[schedule];
      const single = await startService(settingsFor('single', file, SCHEDULES[schedule]));
      const many = await startService(settingsFor('many', file));
      services[schedule] = { single, many };
      rssAtStart ??= { single: rssMiB(single.pid), many: rssMiB(many.pid) };
      // One client per bucket, as each Label Studio project's storage has its own boto3 client (and connection pool).
      const singlePutter = new S3Putter(single, CONCURRENCY);
      const manyPutters = projects.map((p) => new S3Putter({ ...p, url: many.url, region: 'us-east-1' }, CONCURRENCY));
      putters.push(singlePutter, ...manyPutters);
      putterFor[schedule] = {
        single: () => singlePutter,
        many: (i) => manyPutters[i % Math.min(BUCKETS, manyPutters.length)],
      };
      for (const target of ORDER) {
        const warm = await runLoad(putterFor[schedule][target](0), {
          requests: WARMUP,
          concurrency: CONCURRENCY,
          putterFor: putterFor[schedule][target],
          object: (i) => ({ key: `ls/warmup-${i}.json`, body: paddedBody(`warmup-${i}`, BODY) }),
        });
        if (warm.errors.length) throw new Error(`warm-up PUTs failed: ${warm.errors.join('\n')}`);
        await flushLoop(services[schedule][target]).stop(); // one flush: every project has its first commit
      }
    }
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? ORDER : [...ORDER].reverse();
      for (const mode of MODES) {
        const schedule = scheduleOf(mode);
        // The idle rounds start after the loop's flushes: flush what is pending first, so none runs during them.
        if (mode === 'idle') for (const target of ORDER) await flushLoop(services[schedule][target]).stop();
        for (const target of order) {
          const service = services[schedule][target];
          const result = await loadRound(target, service, putterFor[schedule][target], round, mode);
          results.push(result);
          const s = result.summary;
          log(
            `round ${round} ${mode.padEnd(9)} ${target.padEnd(6)} ${int(s.perSecond)} PUT/s p50 ${ms(s.p50)} p99 ${ms(s.p99)} ms, CPU ${ms(result.serverCpuMs, 2)} ms/PUT, ${result.flushes.committed} commits (load ${loadAverage()})`,
          );
        }
      }
    }
    rssAfter = { single: rssMiB(services.manual.single.pid), many: rssMiB(services.manual.many.pid) };
  } finally {
    for (const putter of putters) putter.close();
    for (const pair of Object.values(services)) for (const service of Object.values(pair)) await service.kill();
  }
  info.finish();
  const out = writeResult(outName('projects-scale'), report(info, starts, results, rssAtStart!, rssAfter));
  log(`wrote ${out}`);
  removeTempDirs();
}

function report(
  info: RunInfo,
  starts: StartSample[],
  results: RoundResult[],
  rssAtStart: Record<TargetName, number>,
  rssAfter: Record<TargetName, number>,
): string {
  const label: Record<TargetName, string> = {
    single: '1 project (no PROJECTS_FILE)',
    many: `${PROJECTS} projects (PROJECTS_FILE)`,
  };
  const med = (target: TargetName, mode: Mode, pick: (r: RoundResult) => number) =>
    median(results.filter((r) => r.target === target && r.mode === mode).map(pick));
  const ratio = (mode: Mode, pick: (s: LatencySummary) => number) => {
    const values: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const a = results.find((r) => r.round === round && r.mode === mode && r.target === 'many');
      const b = results.find((r) => r.round === round && r.mode === mode && r.target === 'single');
      if (a && b) values.push(pick(a.summary) / pick(b.summary));
    }
    return `${median(values).toFixed(2)}× (${values.map((v) => v.toFixed(2)).join(', ')})`;
  };
  const startRow = (target: TargetName, kind: StartSample['kind']) => {
    const mine = starts.filter((s) => s.target === target && s.kind === kind);
    return `| ${label[target]} | ${kind} | ${int(median(mine.map((s) => s.ms)))} | ${mine.map((s) => int(s.ms)).join(', ')} | ${ms(median(mine.map((s) => s.rssMiB)))} |`;
  };
  const perProject = (rss: Record<TargetName, number>) => ((rss.many - rss.single) / (PROJECTS - 1)) * 1024;
  const startMedian = (target: TargetName) =>
    median(starts.filter((s) => s.target === target && s.kind === 'fresh').map((s) => s.rssMiB));
  const command = process.argv.slice(2).length
    ? `node bench/.out/projects-scale.js ${process.argv.slice(2).join(' ')}`
    : 'node bench/.out/projects-scale.js';
  const modeLabel: Record<Mode, string> = {
    scheduled: `scheduled (every ${INTERVAL} s or at ${MAX_PENDING} pending)`,
    loop: 'loop (POST /_admin/sync back to back)',
    idle: 'idle (no flush)',
  };
  return `# Many projects in one service

${PROJECTS} projects in one PROJECTS_FILE (each its own bucket, key pair, embedded repository and DVC remote,
\`${DATASET}\` directory layout) next to one service without a projects file, both \`LOG_LEVEL=warn\`. PUTs of
${BODY}-byte JSON bodies, ${CONCURRENCY} concurrent clients (closed loop, bench/lib/s3-put.ts, SigV4); with ${PROJECTS}
projects request *i* goes to bucket *i* mod ${Math.min(BUCKETS, PROJECTS)}, sent by that bucket's own client (its key,
its keep-alive pool, as each Label Studio project's storage has its own boto3 client). ${ROUNDS} interleaved rounds
(the order alternates) under three loads:

- *scheduled* — what users meet: every project flushes on its own schedule, \`sync: { intervalSeconds: ${INTERVAL},
  maxPending: ${MAX_PENDING} }\` in the projects file's \`defaults\` (\`SYNC_INTERVAL_SECONDS=${INTERVAL}\`,
  \`SYNC_MAX_PENDING=${MAX_PENDING}\` for the single project), ${int(SCHEDULED_REQUESTS)} PUTs a round (several
  intervals). A second pair of services; what a round leaves pending is flushed (untimed) before the next one.
- *loop* — adversarial: \`POST /_admin/sync\` runs back to back during the ${int(REQUESTS)} PUTs of the round (each
  call flushes every project, \`SYNC_CONCURRENCY\` at a time, and answers when all are done), whatever the
  schedule: ${PROJECTS} projects flush ${PROJECTS} times as often as one, each flush a ${PROJECTS}th of the size.
- *idle* — the same ${int(REQUESTS)} PUTs with no flush running (pending changes flushed before): the request path alone.

## PUTs (medians over the rounds)

| service | load | PUT/s | p50 ms | p95 ms | p99 ms | server CPU ms per PUT¹ | flush calls per round | flushes committed per round |
|---|---|---:|---:|---:|---:|---:|---:|---:|
${MODES.flatMap((mode) =>
  ORDER.map(
    (t) =>
      `| ${label[t]} | ${mode} | ${int(med(t, mode, (r) => r.summary.perSecond))} | ${ms(med(t, mode, (r) => r.summary.p50))} | ${ms(med(t, mode, (r) => r.summary.p95))} | ${ms(med(t, mode, (r) => r.summary.p99))} | ${ms(
        med(t, mode, (r) => r.serverCpuMs),
        2,
      )} | ${int(med(t, mode, (r) => r.calls))} | ${int(med(t, mode, (r) => r.flushes.committed))} |`,
  ),
).join('\n')}

¹ CPU time (user + system, /proc/<pid>/stat) of the service during the round ÷ PUTs: with flushes running it
includes their work.

**Same-round ratios, ${PROJECTS} projects ÷ 1** (median, then each round; target: throughput ≥ 0.90×, p99 ≤ 1.10×):

| load | PUT/s | p50 | p99 |
|---|---:|---:|---:|
${MODES.map((mode) => `| ${modeLabel[mode]} | ${ratio(mode, (s) => s.perSecond)} | ${ratio(mode, (s) => s.p50)} | ${ratio(mode, (s) => s.p99)} |`).join('\n')}

## Startup and memory

Time from spawn to the first 200 of \`GET /_admin/health\` (polled every 20 ms), and RSS at that moment. *fresh*:
an empty DATA_DIR (every embedded repository is created); *restart*: the same DATA_DIR again.

| service | start | median ms | each start ms | RSS MiB (median) |
|---|---|---:|---|---:|
${ORDER.flatMap((t) => [startRow(t, 'fresh'), startRow(t, 'restart')]).join('\n')}

| RSS MiB | 1 project | ${PROJECTS} projects | per extra project |
|---|---:|---:|---:|
| at start (fresh, median) | ${ms(startMedian('single'))} | ${ms(startMedian('many'))} | ${ms(((startMedian('many') - startMedian('single')) / (PROJECTS - 1)) * 1024, 0)} KiB |
| at start (load-test instance) | ${ms(rssAtStart.single)} | ${ms(rssAtStart.many)} | ${ms(perProject(rssAtStart), 0)} KiB |
| after the load rounds | ${ms(rssAfter.single)} | ${ms(rssAfter.many)} | ${ms(perProject(rssAfter), 0)} KiB |

## Every round

| round | service | load | PUT/s | p50 ms | p95 ms | p99 ms | max ms | server CPU ms per PUT | flush calls | flushes committed |
|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|
${results
  .map(
    (r) =>
      `| ${r.round} | ${label[r.target]} | ${r.mode} | ${int(r.summary.perSecond)} | ${ms(r.summary.p50)} | ${ms(r.summary.p95)} | ${ms(r.summary.p99)} | ${ms(r.summary.max)} | ${ms(r.serverCpuMs, 2)} | ${r.calls} | ${r.flushes.committed} |`,
  )
  .join('\n')}

## Machine

${info.markdown(command)}

The machine is shared: read the load average above before quoting a number, and rerun on a quiet machine for
figures to publish. How to read the rest: bench/README.md.
`;
}

runBench(main);
