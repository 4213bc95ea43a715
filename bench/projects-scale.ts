/**
 * What serving many projects from one process costs (issue 9, "Scale"): one service with `--projects` projects in
 * a PROJECTS_FILE (each its own bucket, key pair and embedded repository + DVC remote) against one service without
 * a projects file (the environment as the single project, as before projects existed):
 *   - startup: time from spawn to the first 200 of GET /_admin/health, and RSS then, on a fresh DATA_DIR and on a
 *     restart over the same data (interleaved, `--starts` times each);
 *   - mixed load: PUTs spread over every bucket (each signed with its project's own key) while `POST /_admin/sync`
 *     flushes every project again and again; the same PUTs and the same flush loop on the single project.
 *     PUT throughput, p50/p99 and server CPU per PUT, side by side, in interleaved rounds (the order rotates);
 *     then the same PUTs with no flush running (`idle`), which tells the request path's cost from the flushes';
 *   - memory: RSS after the load, and (RSS with N − RSS with 1) ÷ (N − 1) per project.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json && node bench/.out/projects-scale.js [--projects=50] [--rounds=3]
 *     [--requests=2000] [--concurrency=8] [--body=2048] [--starts=3]
 *
 * Writes bench/results/projects-scale.md (or --out=<name>). Not a test: nothing here passes or fails on a number.
 */
import { type LatencySummary, paddedBody, runLoad, summarize } from './lib/load.js';
import { httpCall, processCpuMs, removeTempDirs, residentBytes, type Service, startService } from './lib/processes.js';
import { projectsFile } from './lib/projects-file.js';
import { int, loadAverage, log, median, ms, RunInfo, writeResult } from './lib/report.js';
import { S3Putter } from './lib/s3-put.js';
import { option, outName } from './lib/cli-options.js';

const PROJECTS = option('projects', 50);
const ROUNDS = option('rounds', 3);
const REQUESTS = option('requests', 2000);
const CONCURRENCY = option('concurrency', 8);
const BODY = option('body', 2048);
const STARTS = option('starts', 3);
/** How many of the projects receive the PUTs (default: all). `--buckets=1`: 50 projects loaded, one of them written. */
const BUCKETS = option('buckets', PROJECTS);
const WARMUP = 1000; // every bucket of the 50 gets its first PUTs and its first commit before the timed rounds
const DATASET = 'data/annotations'; // directory layout: any body is a dataset file

type TargetName = 'single' | 'many';
const ORDER: TargetName[] = ['single', 'many'];

/** Resident set size of a process, in MiB. */
const rssMiB = (pid: number) => residentBytes(pid) / 1024 ** 2;

interface StartSample {
  target: TargetName;
  kind: 'fresh' | 'restart';
  ms: number;
  rssMiB: number;
}

function settingsFor(target: TargetName, file: string): Record<string, string> {
  // Beside PROJECTS_FILE the dataset path comes from the file only (the service refuses DVC_DATASET_PATH there).
  return target === 'many' ? { PROJECTS_FILE: file } : { DVC_DATASET_PATH: DATASET };
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

/** Sends `POST /_admin/sync` (every project) again and again until stopped; counts flushes and commits. */
function flushLoop(service: Service) {
  let stopping = false;
  const commits = new Set<string>();
  let flushes = 0;
  const errors: string[] = [];
  const running = (async () => {
    while (!stopping) {
      const answer = await httpCall('POST', `${service.url}/_admin/sync`);
      if (answer.status !== 200) throw new Error(`POST /_admin/sync answered ${answer.status}: ${answer.text}`);
      const body = JSON.parse(answer.text) as {
        projects?: Array<{ lastCommit: string | null; lastError: string | null }>;
        lastCommit?: string | null;
        lastError?: string | null;
      };
      for (const project of body.projects ?? [body]) {
        if (project.lastError && errors.length < 3) errors.push(project.lastError);
        if (project.lastCommit) commits.add(project.lastCommit);
      }
      flushes++;
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      await running;
      if (errors.length) throw new Error(`flushes failed: ${errors.join('\n')}`);
      return { flushes, commits: commits.size };
    },
  };
}

/** `mixed`: PUTs while flushes run (the issue's question); `idle`: the same PUTs, no flush (the request path alone). */
type Mode = 'mixed' | 'idle';
const MODES: Mode[] = ['mixed', 'idle'];

interface RoundResult {
  target: TargetName;
  mode: Mode;
  round: number;
  summary: LatencySummary;
  serverCpuMs: number;
  /** `POST /_admin/sync` calls that completed during the round (each flushes every project), distinct commits seen. */
  flushes: number;
  commits: number;
}

async function loadRound(
  target: TargetName,
  service: Service,
  putterFor: (i: number) => S3Putter,
  round: number,
  mode: Mode,
): Promise<RoundResult> {
  const flusher = mode === 'mixed' ? flushLoop(service) : undefined;
  const cpu0 = processCpuMs(service.pid);
  const result = await runLoad(putterFor(0), {
    requests: REQUESTS,
    concurrency: CONCURRENCY,
    putterFor,
    object: (i) => ({
      key: `ls/${mode}-${round}-${i}.json`,
      body: paddedBody(`${target}-${mode}-${round}-${i}`, BODY),
    }),
  });
  const serverCpuMs = (processCpuMs(service.pid) - cpu0) / REQUESTS;
  const { flushes, commits } = flusher ? await flusher.stop() : { flushes: 0, commits: 0 };
  if (result.errors.length)
    throw new Error(`PUTs failed:\n${result.errors.join('\n')}\n--- log ---\n${service.logs().slice(-4000)}`);
  return { target, mode, round, summary: summarize(result.samples, result.wallMs), serverCpuMs, flushes, commits };
}

async function main() {
  const info = new RunInfo();
  log(`load average ${info.loadBefore}; ${PROJECTS} projects vs 1; ${ROUNDS} rounds × ${REQUESTS} PUTs`);
  const { file, projects } = projectsFile(PROJECTS, DATASET);

  const starts = await measureStarts(file);

  const single = await startService(settingsFor('single', file));
  const many = await startService(settingsFor('many', file));
  const rssAtStart = { single: rssMiB(single.pid), many: rssMiB(many.pid) };
  // One client per bucket, as each Label Studio project's storage has its own boto3 client (and connection pool).
  const singlePutter = new S3Putter(single, CONCURRENCY);
  const manyPutters = projects.map((p) => new S3Putter({ ...p, url: many.url, region: 'us-east-1' }, CONCURRENCY));
  const putterFor: Record<TargetName, (i: number) => S3Putter> = {
    single: () => singlePutter,
    many: (i) => manyPutters[i % Math.min(BUCKETS, manyPutters.length)],
  };
  const services: Record<TargetName, Service> = { single, many };
  const results: RoundResult[] = [];
  let rssAfter: Record<TargetName, number>;
  try {
    for (const target of ORDER) {
      const warm = await runLoad(putterFor[target](0), {
        requests: WARMUP,
        concurrency: CONCURRENCY,
        putterFor: putterFor[target],
        object: (i) => ({ key: `ls/warmup-${i}.json`, body: paddedBody(`warmup-${i}`, BODY) }),
      });
      if (warm.errors.length) throw new Error(`warm-up PUTs failed: ${warm.errors.join('\n')}`);
      await flushLoop(services[target]).stop(); // one flush: every project has its first commit
    }
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 === 1 ? ORDER : [...ORDER].reverse();
      for (const mode of MODES) {
        // The idle rounds start after the mixed ones' flushes: flush what is pending first, so none runs during them.
        if (mode === 'idle') for (const target of ORDER) await flushLoop(services[target]).stop();
        for (const target of order) {
          const result = await loadRound(target, services[target], putterFor[target], round, mode);
          results.push(result);
          const s = result.summary;
          log(
            `round ${round} ${mode} ${target.padEnd(6)} ${int(s.perSecond)} PUT/s p50 ${ms(s.p50)} p99 ${ms(s.p99)} ms, ${result.flushes} flush calls, ${result.commits} commits (load ${loadAverage()})`,
          );
        }
      }
    }
    rssAfter = { single: rssMiB(single.pid), many: rssMiB(many.pid) };
  } finally {
    for (const putter of [singlePutter, ...manyPutters]) putter.close();
    await single.kill();
    await many.kill();
  }
  info.finish();
  const out = writeResult(outName('projects-scale'), report(info, starts, results, rssAtStart, rssAfter));
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
  return `# Many projects in one service

${PROJECTS} projects in one PROJECTS_FILE (each its own bucket, key pair, embedded repository and DVC remote,
\`${DATASET}\` directory layout) next to one service without a projects file. Both: \`LOG_LEVEL=warn\`, no scheduled
flush. Load: ${ROUNDS} interleaved rounds (the order alternates), ${int(REQUESTS)} PUTs of ${BODY}-byte JSON bodies
per round, ${CONCURRENCY} concurrent clients (closed loop, bench/lib/s3-put.ts, SigV4); with ${PROJECTS} projects
request *i* goes to bucket *i* mod ${Math.min(BUCKETS, PROJECTS)}, sent by that bucket's own client (its key, its keep-alive pool, as
each Label Studio project's storage has its own boto3 client). During every round
\`POST /_admin/sync\` runs in a loop (each call flushes every project, \`SYNC_CONCURRENCY\` at a time, and answers
when all are done): the PUTs compete with real flushes, ${PROJECTS} repositories' worth of them on one side.

## PUTs (medians over the rounds)

*mixed*: while \`POST /_admin/sync\` runs in a loop; *idle*: the same PUTs with no flush running (pending changes
flushed before), to tell the request path's cost from the flushes'.

| service | load | PUT/s | p50 ms | p95 ms | p99 ms | server CPU ms per PUT¹ | flush calls per round | commits per round |
|---|---|---:|---:|---:|---:|---:|---:|---:|
${MODES.flatMap((mode) =>
  ORDER.map(
    (t) =>
      `| ${label[t]} | ${mode} | ${int(med(t, mode, (r) => r.summary.perSecond))} | ${ms(med(t, mode, (r) => r.summary.p50))} | ${ms(med(t, mode, (r) => r.summary.p95))} | ${ms(med(t, mode, (r) => r.summary.p99))} | ${ms(
        med(t, mode, (r) => r.serverCpuMs),
        2,
      )} | ${int(med(t, mode, (r) => r.flushes))} | ${int(med(t, mode, (r) => r.commits))} |`,
  ),
).join('\n')}

¹ CPU time (user + system, /proc/<pid>/stat) of the service during the round ÷ PUTs: in *mixed* it includes the
flushes' work.

**Same-round ratios, ${PROJECTS} projects ÷ 1** (median, then each round; target: throughput ≥ 0.90×, p99 ≤ 1.10×):

| load | PUT/s | p50 | p99 |
|---|---:|---:|---:|
${MODES.map((mode) => `| ${mode} | ${ratio(mode, (s) => s.perSecond)} | ${ratio(mode, (s) => s.p50)} | ${ratio(mode, (s) => s.p99)} |`).join('\n')}

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

| round | service | load | PUT/s | p50 ms | p95 ms | p99 ms | max ms | server CPU ms per PUT | flush calls | commits |
|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|
${results
  .map(
    (r) =>
      `| ${r.round} | ${label[r.target]} | ${r.mode} | ${int(r.summary.perSecond)} | ${ms(r.summary.p50)} | ${ms(r.summary.p95)} | ${ms(r.summary.p99)} | ${ms(r.summary.max)} | ${ms(r.serverCpuMs, 2)} | ${r.flushes} | ${r.commits} |`,
  )
  .join('\n')}

## Machine

${info.markdown(command)}

The machine is shared: read the load average above before quoting a number, and rerun on a quiet machine for
figures to publish. How to read the rest: bench/README.md.
`;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
