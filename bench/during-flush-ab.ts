/**
 * PUTs while a flush runs, A/B: `npm run bench`'s "PUT p99 while a flush runs ÷ idle" target for two builds,
 * interleaved in one run, to judge a change of the flush (how many uploads run at once, how it yields) by what the
 * PUTs feel. Each build gets one service (directory dataset, presigned URLs, first commit made untimed); each round,
 * for each build in turn (the order alternating): an idle round of `--requests` PUTs at 8 clients, then the same
 * PUTs while the service flushes `--batch` new objects (`duringFlushRound`, as `npm run bench` runs it: only the PUTs
 * sent after the flush started and answered before it ended count).
 *
 *   npm run build && npx tsc -p bench/tsconfig.json
 *   node bench/.out/during-flush-ab.js --a=<other build>/dist/main.js [--a-label=main] [--b=dist/main.js]
 *     [--b-label=this] [--rounds=5] [--requests=3000] [--batch=6000] [--body=2048] [--out=during-flush-ab]
 *
 * Writes bench/results/<out>.md. Not a test: nothing here passes or fails on a number.
 */
import { abBuilds, option, outName } from './lib/cli-options.js';
import { paddedBody, runLoad } from './lib/load.js';
import { DIRECTORY_DATASET, measuredFlush } from './lib/flush-measure.js';
import { removeTempDirs, repoRoot, runBench, type Service, startService } from './lib/processes.js';
import { duringFlushRound, failOnErrors, plainRound, putKey, type RoundResult } from './lib/put-rounds.js';
import { int, loadAverage, log, median, ms, RunInfo, writeResult } from './lib/report.js';
import { S3Putter } from './lib/s3-put.js';

const ROUNDS = option('rounds', 5);
const REQUESTS = option('requests', 3000);
const BATCH = option('batch', 6000);
const BODY = option('body', 2048);
const WARMUP = 1000;
const BUILDS = abBuilds(`${repoRoot}/dist/main.js`);

interface Round {
  build: number;
  idle: RoundResult;
  during: RoundResult;
}

runBench(async () => {
  const info = new RunInfo();
  const services: Service[] = [];
  const putters: S3Putter[] = [];
  const rounds: Round[] = [];
  const plan = { requests: REQUESTS, concurrency: 8, body: BODY };
  try {
    for (const build of BUILDS) {
      const service = await startService({ DVC_DATASET_PATH: DIRECTORY_DATASET }, { main: build.main });
      const putter = new S3Putter(service, 16, 'presigned');
      const warm = await runLoad(putter, {
        requests: WARMUP,
        concurrency: 8,
        object: (i) => ({ key: putKey('warmup', 0, i), body: paddedBody(`warmup-${i}`, BODY) }),
      });
      failOnErrors(warm.errors, service);
      await measuredFlush(service, `${build.label}: first commit`);
      services.push(service);
      putters.push(putter);
    }
    for (let round = 1; round <= ROUNDS; round++) {
      for (const b of round % 2 === 1 ? [0, 1] : [1, 0]) {
        // The idle round's PUTs stay pending: the flush that follows tops them up to the batch.
        const idle = await plainRound('idle', services[b], putters[b], round, plan);
        const during = await duringFlushRound('during', services[b], putters[b], round, { ...plan, batch: BATCH });
        rounds.push({ build: b, idle, during });
        log(
          `round ${round} ${BUILDS[b].label}: idle p99 ${ms(idle.summary.p99)} ms, during a flush of ${int(during.flush!.durationMs)} ms p99 ${ms(during.summary.p99)} ms, ${int(during.summary.perSecond)} PUT/s (load ${loadAverage()})`,
        );
      }
    }
  } finally {
    for (const putter of putters) putter.close();
    for (const service of services) await service.kill();
    removeTempDirs();
  }
  info.finish();

  const of = (b: number) => rounds.filter((r) => r.build === b);
  const med = (b: number, pick: (r: Round) => number) => median(of(b).map(pick));
  const ratio = (r: Round) => r.during.summary.p99 / r.idle.summary.p99;
  const rows = BUILDS.map(
    (build, b) =>
      `| ${build.label} | ${ms(med(b, (r) => r.idle.summary.p99))} | ${ms(med(b, (r) => r.during.summary.p99))} | ${med(b, ratio).toFixed(2)}× | ${int(med(b, (r) => r.idle.summary.perSecond))} | ${int(med(b, (r) => r.during.summary.perSecond))} | ${int(med(b, (r) => r.during.flush!.durationMs))} |`,
  );
  const every = rounds.map(
    (r, i) =>
      `| ${Math.floor(i / 2) + 1} | ${BUILDS[r.build].label} | ${ms(r.idle.summary.p99)} | ${ms(r.during.summary.p99)} | ${ratio(r).toFixed(2)}× | ${ms(r.during.summary.max)} | ${int(r.idle.summary.perSecond)} | ${int(r.during.summary.perSecond)} | ${int(r.during.flush!.inWindow)} | ${int(r.during.flush!.durationMs)} |`,
  );
  writeResult(
    outName('during-flush-ab'),
    `# PUTs while a flush runs, A/B: ${BUILDS.map((b) => `${b.label} = \`${b.main}\``).join(', ')}

Each build: its own service (directory dataset, presigned URLs); ${ROUNDS} rounds, interleaved: ${int(REQUESTS)} PUTs
of ${BODY} bytes at 8 clients idle, then ${int(REQUESTS)} more while the service flushes ${int(BATCH)} new objects
(only the PUTs sent after the flush started and answered before it ended count, as in \`npm run bench\`).

## Medians over the rounds

| build | idle p99 ms | during p99 ms | same-round ratio | idle PUT/s | during PUT/s | flush ms |
|---|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

## Every round

| round | build | idle p99 ms | during p99 ms | ratio | during max ms | idle PUT/s | during PUT/s | PUTs in the flush | flush ms |
|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|
${every.join('\n')}

## Machine

${info.markdown(`node bench/.out/during-flush-ab.js ${process.argv.slice(2).join(' ')}`)}
`,
  );
});
