/**
 * How long a freshly started server takes to reach its steady PUT rate: the service and the fsync floor, each
 * started cold, then the same rounds of PUTs (8 clients, 2 KiB bodies, presigned, a new key per PUT), interleaved
 * round by round, with no warm-up. Per round: PUT/s and server CPU per PUT. Sets how many PUTs `npm run bench` sends
 * every server before it measures (side-by-side.ts WARMUP): a ratio of a cold service to a warm floor says nothing
 * about the service users run for days.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json && node bench/.out/warm-up.js [--rounds=12] [--requests=1000]
 *     [--out=warm-up]
 *
 * Writes bench/results/<out>.md. Not a test.
 */
import { paddedBody, runLoad, summarize } from './lib/load.js';
import { processCpuMs, removeTempDirs, runBench, type Spawned, startBaseline, startService } from './lib/processes.js';
import { int, loadAverage, log, median, ms, RunInfo, writeResult } from './lib/report.js';
import { S3Putter, type S3Target } from './lib/s3-put.js';
import { option, outName } from './lib/cli-options.js';

const ROUNDS = option('rounds', 12);
const REQUESTS = option('requests', 1000);
const CONCURRENCY = 8;
const BODY = 2048;
const TARGETS = ['fsync floor', 'service'] as const;
type Target = (typeof TARGETS)[number];

interface Round {
  round: number;
  target: Target;
  perSecond: number;
  cpuMs: number;
  load: string;
}

async function main() {
  const info = new RunInfo();
  const servers: Record<Target, Spawned & S3Target> = {
    'fsync floor': await startBaseline('fsync'),
    service: await startService({ DVC_DATASET_PATH: 'data/annotations' }),
  };
  const putters = Object.fromEntries(TARGETS.map((t) => [t, new S3Putter(servers[t], 16, 'presigned')])) as Record<
    Target,
    S3Putter
  >;
  const rounds: Round[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const target of round % 2 ? TARGETS : [...TARGETS].reverse()) {
        const load = loadAverage();
        const cpu0 = processCpuMs(servers[target].pid);
        const result = await runLoad(putters[target], {
          requests: REQUESTS,
          concurrency: CONCURRENCY,
          object: (i) => ({ key: `ls/warm-${round}-${i}.json`, body: paddedBody(`warm-${round}-${i}`, BODY) }),
        });
        if (result.errors.length) throw new Error(`${target}: PUTs failed:\n${result.errors.join('\n')}`);
        const perSecond = summarize(result.samples, result.wallMs).perSecond;
        const cpuMs = (processCpuMs(servers[target].pid) - cpu0) / REQUESTS;
        rounds.push({ round, target, perSecond, cpuMs, load });
        log(`round ${round} ${target.padEnd(11)} ${int(perSecond)} PUT/s, ${ms(cpuMs, 3)} CPU ms/PUT (load ${load})`);
      }
    }
  } finally {
    for (const putter of Object.values(putters)) putter.close();
    for (const server of Object.values(servers)) await server.kill();
  }
  info.finish();
  const file = writeResult(outName('warm-up'), report(info, rounds));
  log(`wrote ${file}`);
  removeTempDirs();
}

function report(info: RunInfo, rounds: Round[]): string {
  const of = (round: number, target: Target) => rounds.find((r) => r.round === round && r.target === target)!;
  const rows = Array.from({ length: ROUNDS }, (_, i) => {
    const [floor, service] = TARGETS.map((t) => of(i + 1, t));
    return `| ${i + 1} | ${int(i * REQUESTS)} | ${int(floor.perSecond)} | ${ms(floor.cpuMs, 3)} | ${int(service.perSecond)} | ${ms(service.cpuMs, 3)} | ${(service.perSecond / floor.perSecond).toFixed(2)}× | ${service.load} |`;
  });
  const later = rounds.filter((r) => r.round > ROUNDS / 2);
  const steady = (t: Target) => median(later.filter((r) => r.target === t).map((r) => r.cpuMs));
  return `# Warm-up: the PUT rate of a freshly started server, round by round

Both servers started cold (no PUT before round 1), then ${ROUNDS} rounds of ${int(REQUESTS)} PUTs each, ${CONCURRENCY}
clients, ${BODY}-byte bodies through presigned URLs, a new key per PUT; the two servers take turns within each round
(the order alternating). Server CPU: user + system of the server process (all its threads) during the round ÷ PUTs.
Steady CPU per PUT (median over the second half of the rounds): fsync floor ${ms(steady('fsync floor'), 3)} ms,
service ${ms(steady('service'), 3)} ms.

| round | PUTs before it | floor PUT/s | floor CPU ms per PUT | service PUT/s | service CPU ms per PUT | service ÷ floor | 1-min load at start |
|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

## Machine

${info.markdown(`node bench/.out/warm-up.js ${process.argv.slice(2).join(' ')}`)}
`;
}

runBench(main);
