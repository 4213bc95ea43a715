/**
 * Two builds of the service side by side (A/B), with the fsync floor, interleaved in one run: the way to judge a
 * change of the PUT path on a shared, noisy machine. Each round runs every target at 8 clients and at 1 client;
 * the order rotates from round to round, so background load falls on all of them alike. Server CPU ms per PUT
 * (from /proc) is the steadiest figure when other processes load the machine.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json
 *   node bench/.out/put-ab.js --a=<other build>/dist/main.js [--a-label=main] [--b=dist/main.js] [--b-label=this]
 *     [--rounds=5] [--requests=2000] [--single=400] [--body=2048] [--signing=header|presigned] [--out=put-ab]
 *     [--b-node-args=--flag=value,...] (B started with these Node/V8 flags: the same build twice tries a flag)
 *
 * (An older build runs from a copy of its dist/ next to a node_modules: `cp -a dist /tmp/ab/dist && ln -s
 * $PWD/node_modules /tmp/ab/node_modules`.) Writes bench/results/<out>.md. Not a test.
 */
import { type LatencySummary, paddedBody, runLoad, summarize } from './lib/load.js';
import {
  processCpuMs,
  removeTempDirs,
  repoRoot,
  runBench,
  type Spawned,
  startBaseline,
  startService,
} from './lib/processes.js';
import { int, loadAverage, log, median, ms, RunInfo, writeResult } from './lib/report.js';
import { S3Putter, type S3Target, type SigningMode } from './lib/s3-put.js';
import { abBuilds, nodeArgsOption, option, outName, textOption } from './lib/cli-options.js';

const ROUNDS = option('rounds', 5);
const REQUESTS = option('requests', 2000);
const SINGLE = option('single', 400);
const BODY = option('body', 2048);
const WARMUP = 500;

const [A, B] = abBuilds(`${repoRoot}/dist/main.js`);
const [A_MAIN, B_MAIN] = [A.main, B.main];
const LABELS = { fsync: 'fsync floor', a: A.label, b: B.label };
type Target = keyof typeof LABELS;
const TARGETS: Target[] = ['fsync', 'a', 'b'];
const CLIENTS = [8, 1];
/** `header` (Authorization, as boto3 sends by default) or `presigned` (query string, as `npm run bench` sends). */
const SIGNING = textOption('signing', 'header') as SigningMode;

interface Result {
  round: number;
  target: Target;
  clients: number;
  load: string;
  summary: LatencySummary;
  serverCpuMs: number;
}

async function round(
  target: Target,
  server: Spawned & S3Target,
  putter: S3Putter,
  roundNo: number,
  clients: number,
): Promise<Result> {
  const requests = clients === 1 ? SINGLE : REQUESTS;
  const load = loadAverage().split(' ')[0];
  const cpu0 = processCpuMs(server.pid);
  const result = await runLoad(putter, {
    requests,
    concurrency: clients,
    object: (i) => ({ key: `ls/${target}-${clients}-${roundNo}-${i}.json`, body: paddedBody(`${roundNo}-${i}`, BODY) }),
  });
  const serverCpuMs = (processCpuMs(server.pid) - cpu0) / requests;
  if (result.errors.length) throw new Error(`${target}: PUTs failed:\n${result.errors.join('\n')}`);
  return { round: roundNo, target, clients, load, summary: summarize(result.samples, result.wallMs), serverCpuMs };
}

async function main() {
  if (!A_MAIN) throw new Error('--a=<path to the other build’s dist/main.js> is required');
  const info = new RunInfo();
  log(`A = ${LABELS.a} (${A_MAIN}), B = ${LABELS.b} (${B_MAIN}); load average ${info.loadBefore}`);
  const settings = { DVC_DATASET_PATH: 'data/annotations' };
  const servers: Record<Target, Spawned & S3Target> = {
    fsync: await startBaseline('fsync'),
    a: await startService(settings, { main: A_MAIN }),
    b: await startService(settings, { main: B_MAIN, nodeArgs: nodeArgsOption('b-node-args') }),
  };
  const putters = Object.fromEntries(TARGETS.map((t) => [t, new S3Putter(servers[t], 16, SIGNING)])) as Record<
    Target,
    S3Putter
  >;
  const results: Result[] = [];
  try {
    for (const t of TARGETS) {
      const warm = await runLoad(putters[t], {
        requests: WARMUP,
        concurrency: 8,
        object: (i) => ({ key: `ls/warmup-${i}.json`, body: paddedBody(`warmup-${i}`, BODY) }),
      });
      if (warm.errors.length) throw new Error(`${t}: warm-up failed:\n${warm.errors.join('\n')}`);
    }
    for (let r = 1; r <= ROUNDS; r++) {
      const order = TARGETS.map((_, i) => TARGETS[(i + r - 1) % TARGETS.length]);
      for (const clients of CLIENTS) {
        for (const t of order) {
          const result = await round(t, servers[t], putters[t], r, clients);
          results.push(result);
          const s = result.summary;
          log(
            `round ${r} ${clients}c ${LABELS[t].padEnd(12)} ${int(s.perSecond)} PUT/s p50 ${ms(s.p50)} p99 ${ms(s.p99)} ms, ${ms(result.serverCpuMs, 2)} CPU ms/PUT (load ${result.load})`,
          );
        }
      }
    }
  } finally {
    for (const putter of Object.values(putters)) putter.close();
    for (const server of Object.values(servers)) await server.kill();
  }
  info.finish();
  const file = writeResult(outName('put-ab'), report(info, results));
  log(`wrote ${file}`);
  removeTempDirs();
}

function report(info: RunInfo, results: Result[]): string {
  const pick = (target: Target, clients: number) => results.filter((r) => r.target === target && r.clients === clients);
  const med = (rs: Result[], f: (r: Result) => number) => median(rs.map(f));
  const medians = CLIENTS.flatMap((clients) =>
    TARGETS.map((t) => {
      const rs = pick(t, clients);
      return `| ${clients} | ${LABELS[t]} | ${int(med(rs, (r) => r.summary.perSecond))} | ${ms(med(rs, (r) => r.summary.p50))} | ${ms(
        med(rs, (r) => r.summary.p99),
      )} | ${ms(
        med(rs, (r) => r.serverCpuMs),
        3,
      )} |`;
    }),
  );
  /** Per round, target ÷ reference (same round: seconds apart), then the median. */
  const ratio = (x: Target, y: Target, clients: number, f: (r: Result) => number) => {
    const values: number[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      const a = results.find((v) => v.round === r && v.target === x && v.clients === clients);
      const b = results.find((v) => v.round === r && v.target === y && v.clients === clients);
      if (a && b) values.push(f(a) / f(b));
    }
    return `${median(values).toFixed(2)}×`;
  };
  const ratioRows = CLIENTS.flatMap((clients) =>
    (
      [
        ['b', 'a'],
        ['b', 'fsync'],
        ['a', 'fsync'],
      ] as Array<[Target, Target]>
    ).map(
      ([x, y]) =>
        `| ${clients} | ${LABELS[x]} ÷ ${LABELS[y]} | ${ratio(x, y, clients, (r) => r.summary.perSecond)} | ${ratio(x, y, clients, (r) => r.summary.p50)} | ${ratio(
          x,
          y,
          clients,
          (r) => r.summary.p99,
        )} | ${ratio(x, y, clients, (r) => r.serverCpuMs)} |`,
    ),
  );
  const rows = results.map(
    (r) =>
      `| ${r.round} | ${r.clients} | ${LABELS[r.target]} | ${int(r.summary.perSecond)} | ${ms(r.summary.p50)} | ${ms(r.summary.p99)} | ${ms(r.summary.max)} | ${ms(r.serverCpuMs, 3)} | ${r.load} |`,
  );
  const command = `node bench/.out/put-ab.js ${process.argv.slice(2).join(' ')}`;
  return `# PUT path A/B: ${LABELS.a} vs ${LABELS.b}

${ROUNDS} interleaved rounds; each round: every target at 8 clients (${int(REQUESTS)} PUTs) and at 1 client
(${int(SINGLE)} PUTs), ${BODY}-byte bodies, new key per PUT, closed loop (bench/lib/s3-put.ts). Both builds run with
\`DVC_DATASET_PATH=data/annotations\`, embedded repository and DVC remote, \`LOG_LEVEL=warn\`, no flush. The fsync
floor is bench/baseline-server.ts (temp file, fsync, rename). Server CPU: user + system of the server process (all
its threads) during the round ÷ PUTs.

## Medians over the rounds

| clients | target | PUT/s | p50 ms | p99 ms | server CPU ms per PUT |
|---:|---|---:|---:|---:|---:|
${medians.join('\n')}

## Same-round ratios (median over the rounds)

| clients | ratio | PUT/s | p50 | p99 | CPU per PUT |
|---:|---|---:|---:|---:|---:|
${ratioRows.join('\n')}

## Every round

| round | clients | target | PUT/s | p50 ms | p99 ms | max ms | server CPU ms per PUT | 1-min load at start |
|---:|---:|---|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

## Machine

${info.markdown(command)}

A = \`${A_MAIN}\`, B = \`${B_MAIN}\`.
`;
}

runBench(main);
