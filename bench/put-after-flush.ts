/**
 * PUTs that keep arriving after a flush, A/B: what a service does in the seconds after a flush shows in the PUT
 * latency of a bulk writer that never stops (Label Studio's Sync of a big project, a script uploading a dataset).
 * Each build gets its own service (directory dataset, presigned URLs) filled with `--objects` objects and synced
 * once (so that its heap holds a big dataset, as a real one does); then, `--repeats` times, interleaved between the
 * builds: the last repeat's PUTs synced (untimed) and 3 s idle, then 8 closed-loop clients PUT new objects for
 * `--seconds`, and `POST /_admin/sync` starts 0.5 s in. Reported:
 * the PUTs sent after the flush ended, and in particular their slowest ones (p99, max): a pause of the event loop
 * there is one every PUT in flight waits for.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json
 *   node bench/.out/put-after-flush.js --a=<other build>/dist/main.js [--a-label=main] [--b=dist/main.js]
 *     [--b-label=this] [--objects=20000] [--repeats=5] [--seconds=6] [--out=put-after-flush]
 *
 * Writes bench/results/<out>.md. Not a test: nothing here passes or fails on a number.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { datasetBody, datasetKey, DIRECTORY_DATASET, measuredFlush, putObjects } from './lib/flush-measure.js';
import { paddedBody, runLoad, summarize } from './lib/load.js';
import { flush, removeTempDirs, repoRoot, runBench, type Service, startService } from './lib/processes.js';
import { int, loadAverage, log, median, ms, RunInfo, writeResult } from './lib/report.js';
import { S3Putter } from './lib/s3-put.js';
import { abBuilds, option, outName } from './lib/cli-options.js';

const OBJECTS = option('objects', 20_000);
const REPEATS = option('repeats', 5);
const SECONDS = option('seconds', 6);
const CLIENTS = 8;
const FLUSH_AT_MS = 500;
const BODY = 2048;

const BUILDS = abBuilds(`${repoRoot}/dist/main.js`);

interface Repeat {
  build: number;
  repeat: number;
  flushMs: number;
  after: ReturnType<typeof summarize>;
  all: ReturnType<typeof summarize>;
}

/** 8 clients PUT for SECONDS; the flush starts FLUSH_AT_MS in. Returns every sample and when the flush ended. */
async function loadWithFlush(service: Service, putter: S3Putter, tag: string) {
  const started = performance.now();
  const load = runLoad(putter, {
    requests: Infinity,
    until: started + SECONDS * 1000,
    concurrency: CLIENTS,
    object: (i) => ({ key: `ls/${tag}-${i}.json`, body: paddedBody(`${tag}-${i}`, BODY) }),
  });
  const flushed = (async () => {
    await delay(FLUSH_AT_MS);
    const answer = await flush(service); // PUTs arriving meanwhile stay pending for the next one
    return { endedAt: performance.now(), ms: answer.wallMs };
  })();
  const { samples, wallMs, errors } = await load;
  const flushEnd = await flushed;
  if (errors.length > 0) throw new Error(`PUTs failed: ${errors.join('\n')}`);
  return { samples, wallMs, flush: flushEnd };
}

runBench(async () => {
  const info = new RunInfo();
  const services: Service[] = [];
  const putters: S3Putter[] = [];
  const repeats: Repeat[] = [];
  try {
    for (const build of BUILDS) {
      const service = await startService({ DVC_DATASET_PATH: DIRECTORY_DATASET }, { main: build.main });
      const putter = new S3Putter(service, 16, 'presigned');
      log(`${build.label}: ${int(OBJECTS)} objects, then the first sync`);
      await putObjects(service, putter, OBJECTS, (i) => ({ key: datasetKey(i), body: datasetBody(i, 0) }));
      await measuredFlush(service, `${build.label}: first sync`);
      services.push(service);
      putters.push(putter);
    }
    for (let repeat = 1; repeat <= REPEATS; repeat++) {
      const order = repeat % 2 === 1 ? [0, 1] : [1, 0];
      for (const b of order) {
        // The last repeat's PUTs after its flush, synced untimed; then a quiet time, as between two bursts of work.
        await flush(services[b]);
        await delay(3000);
        const run = await loadWithFlush(services[b], putters[b], `r${repeat}`);
        const after = run.samples.filter((s) => s.start >= run.flush.endedAt);
        const afterWall = run.samples.reduce((end, s) => Math.max(end, s.end), 0) - run.flush.endedAt;
        const result: Repeat = {
          build: b,
          repeat,
          flushMs: run.flush.ms,
          after: summarize(after, afterWall),
          all: summarize(run.samples, run.wallMs),
        };
        repeats.push(result);
        log(
          `repeat ${repeat} ${BUILDS[b].label}: flush ${int(result.flushMs)} ms; after it ${int(result.after.perSecond)} PUT/s, p99 ${ms(result.after.p99)} ms, max ${ms(result.after.max)} ms (load ${loadAverage()})`,
        );
      }
    }
  } finally {
    for (const putter of putters) putter.close();
    for (const service of services) await service.kill();
    removeTempDirs();
  }
  info.finish();

  const of = (b: number) => repeats.filter((r) => r.build === b);
  const med = (b: number, pick: (r: Repeat) => number) => median(of(b).map(pick));
  const rows = BUILDS.map(
    (build, b) =>
      `| ${build.label} | ${int(med(b, (r) => r.flushMs))} | ${int(med(b, (r) => r.after.perSecond))} | ${ms(med(b, (r) => r.after.p50))} | ${ms(med(b, (r) => r.after.p99))} | ${ms(med(b, (r) => r.after.max))} | ${ms(Math.max(...of(b).map((r) => r.after.max)))} | ${int(med(b, (r) => r.all.perSecond))} |`,
  );
  const every = repeats.map(
    (r) =>
      `| ${r.repeat} | ${BUILDS[r.build].label} | ${int(r.flushMs)} | ${int(r.after.count)} | ${int(r.after.perSecond)} | ${ms(r.after.p50)} | ${ms(r.after.p99)} | ${ms(r.after.max)} |`,
  );
  const name = outName('put-after-flush');
  writeResult(
    name,
    `# PUTs that keep arriving after a flush, A/B: ${BUILDS.map((b) => `${b.label} = \`${b.main}\``).join(', ')}

Each build: its own service with ${int(OBJECTS)} objects synced once (directory dataset); then ${REPEATS} repeats,
interleaved: ${CLIENTS} closed-loop clients PUT new ${BODY}-byte objects (presigned URLs) for ${SECONDS} s, and
\`POST /_admin/sync\` starts ${FLUSH_AT_MS} ms in; before each repeat, the last one's PUTs are synced (untimed) and
the service idles 3 s. "After" counts the PUTs sent after the flush ended.

## Medians over the repeats

| build | flush ms | after: PUT/s | p50 ms | p99 ms | max ms | worst max ms | whole run PUT/s |
|---|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

## Every repeat

| repeat | build | flush ms | PUTs after | PUT/s | p50 ms | p99 ms | max ms |
|---:|---|---:|---:|---:|---:|---:|---:|
${every.join('\n')}

## Machine

${info.markdown(`node bench/.out/put-after-flush.js ${process.argv.slice(2).join(' ')}`)}
`,
  );
});
