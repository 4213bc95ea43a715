/**
 * Two builds serving the same 50 projects (PROJECTS_FILE), and build B's single project, interleaved in one run:
 * how a change of the many-projects request path moves its cost, on a shared and noisy machine. PUTs of 2 KiB
 * spread over every bucket (each signed by its project's own client, as projects-scale.ts), 8 clients, no flush
 * running (the request path alone: projects-scale's `idle`); the order of the targets rotates every round. Server
 * CPU ms per PUT (/proc, every thread of the service) is the figure to judge by when other processes load the box.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json
 *   node bench/.out/projects-ab.js --a=<other build>/dist/main.js [--a-label=main] [--b=dist/main.js]
 *     [--b-label=this] [--projects=50] [--rounds=5] [--requests=2000] [--out=projects-ab]
 *
 * Writes bench/results/<out>.md. Not a test.
 */
import { type LatencySummary, paddedBody, runLoad, summarize } from './lib/load.js';
import {
  httpCall,
  processCpuMs,
  removeTempDirs,
  repoRoot,
  runBench,
  type Service,
  startService,
} from './lib/processes.js';
import { int, loadAverage, log, median, ms, RunInfo, writeResult } from './lib/report.js';
import { S3Putter } from './lib/s3-put.js';
import { abBuilds, option, outName } from './lib/cli-options.js';
import { projectsFile } from './lib/projects-file.js';

const PROJECTS = option('projects', 50);
const ROUNDS = option('rounds', 5);
const REQUESTS = option('requests', 2000);
const CONCURRENCY = 8;
const BODY = 2048;
const WARMUP = 1000;
const DATASET = 'data/annotations';

const [A, B] = abBuilds(`${repoRoot}/dist/main.js`);
const [A_MAIN, B_MAIN] = [A.main, B.main];
type Target = 'a' | 'b' | 'single';
const LABELS: Record<Target, string> = {
  a: `${A.label}, ${PROJECTS} projects`,
  b: `${B.label}, ${PROJECTS} projects`,
  single: `${B.label}, 1 project`,
};
const TARGETS: Target[] = ['a', 'b', 'single'];

interface Result {
  round: number;
  target: Target;
  summary: LatencySummary;
  cpuMsPerPut: number;
  load: string;
}

async function flushAll(service: Service): Promise<void> {
  const answer = await httpCall('POST', `${service.url}/_admin/sync`);
  if (answer.status !== 200) throw new Error(`POST /_admin/sync answered ${answer.status}: ${answer.text}`);
}

async function main() {
  if (!A_MAIN) throw new Error('--a=<other build>/dist/main.js is required');
  const info = new RunInfo();
  log(`load average ${info.loadBefore}; ${PROJECTS} projects: ${A_MAIN} vs ${B_MAIN}; ${ROUNDS} rounds`);
  const { file, projects } = projectsFile(PROJECTS, DATASET);
  const services = {} as Record<Target, Service>;
  const putterFor = {} as Record<Target, (i: number) => S3Putter>;
  const putters: S3Putter[] = [];
  const results: Result[] = [];
  try {
    for (const target of TARGETS) {
      const main = target === 'a' ? A_MAIN : B_MAIN;
      const settings: Record<string, string> =
        target === 'single' ? { DVC_DATASET_PATH: DATASET } : { PROJECTS_FILE: file };
      const service = await startService(settings, { main });
      services[target] = service;
      if (target === 'single') {
        const putter = new S3Putter(service, CONCURRENCY);
        putters.push(putter);
        putterFor[target] = () => putter;
      } else {
        const mine = projects.map((p) => new S3Putter({ ...p, url: service.url, region: 'us-east-1' }, CONCURRENCY));
        putters.push(...mine);
        putterFor[target] = (i) => mine[i % mine.length];
      }
      const warm = await runLoad(putterFor[target](0), {
        requests: WARMUP,
        concurrency: CONCURRENCY,
        putterFor: putterFor[target],
        object: (i) => ({ key: `ls/warmup-${i}.json`, body: paddedBody(`warmup-${i}`, BODY) }),
      });
      if (warm.errors.length) throw new Error(`warm-up PUTs failed: ${warm.errors.join('\n')}`);
      await flushAll(service);
    }
    for (let round = 1; round <= ROUNDS; round++) {
      const order = TARGETS.map((_, i) => TARGETS[(i + round) % TARGETS.length]);
      for (const target of order) {
        const service = services[target];
        const cpu0 = processCpuMs(service.pid);
        const result = await runLoad(putterFor[target](0), {
          requests: REQUESTS,
          concurrency: CONCURRENCY,
          putterFor: putterFor[target],
          object: (i) => ({ key: `ls/${round}-${i}.json`, body: paddedBody(`${target}-${round}-${i}`, BODY) }),
        });
        const cpuMsPerPut = (processCpuMs(service.pid) - cpu0) / REQUESTS;
        if (result.errors.length) throw new Error(`PUTs failed:\n${result.errors.join('\n')}`);
        const summary = summarize(result.samples, result.wallMs);
        results.push({ round, target, summary, cpuMsPerPut, load: loadAverage() });
        log(
          `round ${round} ${LABELS[target].padEnd(24)} ${int(summary.perSecond)} PUT/s p50 ${ms(summary.p50)} p99 ${ms(summary.p99)} ms, CPU ${ms(cpuMsPerPut, 3)} ms/PUT`,
        );
      }
      for (const target of TARGETS) await flushAll(services[target]); // untimed: no flush during the next round
    }
  } finally {
    for (const putter of putters) putter.close();
    for (const service of Object.values(services)) await service.kill();
  }
  info.finish();
  const out = writeResult(outName('projects-ab'), report(info, results));
  log(`wrote ${out}`);
  removeTempDirs();
}

function report(info: RunInfo, results: Result[]): string {
  const mine = (target: Target) => results.filter((r) => r.target === target);
  const row = (target: Target) => {
    const r = mine(target);
    const med = (pick: (x: Result) => number) => median(r.map(pick));
    return `| ${LABELS[target]} | ${int(med((x) => x.summary.perSecond))} | ${ms(med((x) => x.summary.p50))} | ${ms(med((x) => x.summary.p99))} | ${ms(
      med((x) => x.cpuMsPerPut),
      3,
    )} | ${r.map((x) => ms(x.cpuMsPerPut, 3)).join(', ')} |`;
  };
  const ratio = (a: Target, b: Target, pick: (r: Result) => number) => {
    const values: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const x = results.find((r) => r.round === round && r.target === a);
      const y = results.find((r) => r.round === round && r.target === b);
      if (x && y) values.push(pick(x) / pick(y));
    }
    return `${median(values).toFixed(2)}× (${values.map((v) => v.toFixed(2)).join(', ')})`;
  };
  const ratioRow = (a: Target, b: Target) =>
    `| ${LABELS[a]} ÷ ${LABELS[b]} | ${ratio(a, b, (r) => r.summary.perSecond)} | ${ratio(a, b, (r) => r.summary.p99)} | ${ratio(a, b, (r) => r.cpuMsPerPut)} |`;
  const command = `node bench/.out/projects-ab.js ${process.argv.slice(2).join(' ')}`;
  return `# ${PROJECTS} projects, two builds (A/B)

${PROJECTS} projects in one PROJECTS_FILE (directory dataset, embedded repository), served by build A and by build
B, next to build B's single project; 2048-byte PUTs at ${CONCURRENCY} clients, request *i* to bucket *i* mod
${PROJECTS} with that project's own client; no flush running (pending changes flushed, untimed, between rounds).
${ROUNDS} rounds of ${int(REQUESTS)} PUTs per target, the order rotating. Server CPU: user + system of the service
(all its threads) during the round ÷ PUTs.

## Medians over the rounds

| target | PUT/s | p50 ms | p99 ms | server CPU ms per PUT | each round |
|---|---:|---:|---:|---:|---|
${TARGETS.map(row).join('\n')}

## Same-round ratios (median, then each round)

| | PUT/s | p99 | CPU per PUT |
|---|---:|---:|---:|
${ratioRow('b', 'a')}
${ratioRow('a', 'single')}
${ratioRow('b', 'single')}

Load average during each round (1 min): ${results.map((r) => r.load.split(' ')[0]).join(', ')}.

## Run

${info.markdown(command)}
`;
}

runBench(main);
