/**
 * Where the service's CPU goes under PUT load: `node --cpu-prof dist/main.js` under the PUT load of side-by-side.ts (lib/put-rounds.ts)
 * (2 KiB bodies, 8 closed-loop clients, a new key per PUT), the profile cut to the measured window.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json && node bench/.out/put-profile.js [--requests=7000]
 *     [--concurrency=8] [--body=2048] [--out=put-profile] [--main=<another build's dist/main.js>] [--projects=1]
 *     [--baseline=essential] [--signing=header|presigned]
 *
 * With --baseline=<mode> it profiles bench/baseline-server.ts in that mode instead of the service (`essential`: the
 * least work an indexed S3 service must do per PUT), to set the service's profile beside it.
 *
 * With --projects=N above 1 the service serves N projects (PROJECTS_FILE, as projects-scale.ts) and PUT i goes to
 * bucket i mod N, signed by that project's own client.
 *
 * Writes bench/results/<out>.md (top self-time items, by function and by origin), bench/results/<out>.svg (a flame
 * graph: open it in a browser; hover for times, click to zoom) and bench/results/<out>.cpuprofile.gz (the cut
 * profile, for Chrome DevTools or speedscope after gunzip). Not a test.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { originTimes, readProfile, selfTimes, windowOf } from './lib/cpu-profile.js';
import { flameGraphSvg } from './lib/flame-graph.js';
import { paddedBody, runLoad, summarize } from './lib/load.js';
import {
  processCpuMs,
  removeTempDirs,
  repoRoot,
  runBench,
  startBaseline,
  startService,
  tempDir,
} from './lib/processes.js';
import { int, log, ms, RunInfo, writeResult } from './lib/report.js';
import { S3Putter, type SigningMode } from './lib/s3-put.js';
import { option, outName, textOption } from './lib/cli-options.js';
import { projectsFile } from './lib/projects-file.js';

const REQUESTS = option('requests', 7000);
const CONCURRENCY = option('concurrency', 8);
const BODY = option('body', 2048);
const PROJECTS = option('projects', 1);
const DATASET = 'data/annotations';
const WARMUP = 1000;
const TOP = 30;
const mainArg = textOption('main');
/** `header` (Authorization, boto3's default) or `presigned` (as `npm run bench` and Label Studio sign). */
const SIGNING = textOption('signing', 'header') as SigningMode;
const baseline = textOption('baseline') as 'essential' | 'design' | 'fsync' | undefined;
/**
 * Sampling interval in µs (`--cpu-prof-interval`; Node's default is 1,000). One client's PUTs come about 1 ms apart:
 * a sample per millisecond then lands at nearly the same point of every PUT and over-counts whatever runs there.
 * An interval that divides no PUT's period (97 µs) samples every part of it.
 */
const INTERVAL = option('interval', 1000);

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

async function main() {
  const info = new RunInfo();
  const name = outName('put-profile');
  const profileDir = tempDir('bench-cpu-prof-');
  const many = PROJECTS > 1 ? projectsFile(PROJECTS, DATASET) : undefined;
  const profiling = ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-interval=${INTERVAL}`];
  const service = baseline
    ? await startBaseline(baseline, profiling)
    : await startService(many ? { PROJECTS_FILE: many.file } : { DVC_DATASET_PATH: DATASET }, {
        main: mainArg,
        nodeArgs: profiling,
      });
  const putters = many
    ? many.projects.map((p) => new S3Putter({ ...p, url: service.url, region: 'us-east-1' }, CONCURRENCY, SIGNING))
    : [new S3Putter(service, Math.max(CONCURRENCY, 16), SIGNING)];
  const putterFor = (i: number) => putters[i % putters.length];
  const putter = putters[0];
  let window: { from: number; to: number };
  let summary;
  let cpuMs: number;
  try {
    log(`warming up (${WARMUP} PUTs), then ${REQUESTS} profiled PUTs, ${CONCURRENCY} clients`);
    await runLoad(putter, {
      requests: WARMUP,
      concurrency: CONCURRENCY,
      putterFor,
      object: (i) => ({ key: `ls/warmup-${i}.json`, body: paddedBody(`warmup-${i}`, BODY) }),
    });
    const cpu0 = processCpuMs(service.pid);
    const from = monotonicUs();
    const load = await runLoad(putter, {
      requests: REQUESTS,
      concurrency: CONCURRENCY,
      putterFor,
      object: (i) => ({ key: `ls/profiled-${i}.json`, body: paddedBody(`profiled-${i}`, BODY) }),
    });
    window = { from, to: monotonicUs() };
    cpuMs = processCpuMs(service.pid) - cpu0;
    if (load.errors.length) throw new Error(`PUTs failed:\n${load.errors.join('\n')}`);
    summary = summarize(load.samples, load.wallMs);
    log(`${int(summary.perSecond)} PUT/s, p50 ${ms(summary.p50)} ms, p99 ${ms(summary.p99)} ms; stopping the service`);
  } finally {
    for (const p of putters) p.close();
    process.kill(service.pid, 'SIGTERM');
  }
  const profile = await readProfile(profileDir);
  await service.kill();
  info.finish();

  const cut = windowOf(profile, window.from, window.to);
  const busyMs = cut.busyUs / 1000;
  const perPut = (us: number) => ms(us / 1000 / REQUESTS, 3);
  const pct = (us: number) => ((us / cut.busyUs) * 100).toFixed(1);
  const svg = flameGraphSvg(
    cut.root,
    `PUT path, ${int(REQUESTS)} PUTs of ${BODY} B, ${CONCURRENCY} clients (event-loop thread, busy time only)`,
    `${int(busyMs)} ms busy, ${int(cut.idleUs / 1000)} ms idle; ${name}`,
  );
  const results = join(repoRoot, 'bench', 'results');
  writeFileSync(join(results, `${name}.svg`), svg);
  writeFileSync(join(results, `${name}.cpuprofile.gz`), gzipSync(JSON.stringify(cut.trimmed)));
  const functions = selfTimes(cut.root)
    .slice(0, TOP)
    .map((f) => `| ${pct(f.us)} % | ${perPut(f.us)} | \`${f.name.replace(/\|/g, '\\|')}\` | ${f.origin} |`);
  const origins = originTimes(cut.root).map((o) => `| ${o.origin} | ${pct(o.us)} % | ${perPut(o.us)} |`);
  const command = `node bench/.out/put-profile.js ${process.argv.slice(2).join(' ')}`.trim();
  const markdown = `# CPU profile of the PUT path (${name})

\`node --cpu-prof\` on ${baseline ? `bench/baseline-server.ts in its \`${baseline}\` mode` : 'the service'}${PROJECTS > 1 ? ` serving ${PROJECTS} projects (PUT *i* into bucket *i* mod ${PROJECTS}, each signed by its project's own client)` : ''} under ${int(REQUESTS)} PUTs of ${BODY}-byte bodies, ${CONCURRENCY} closed-loop
clients (bench/lib/s3-put.ts, ${SIGNING === 'presigned' ? 'presigned URLs' : 'SigV4 in the Authorization header'}), new key per PUT, after ${WARMUP} warm-up PUTs; the profile is cut to the measured
window. Flame graph: [\`${name}.svg\`](${name}.svg) (open in a browser). The cut profile:
\`${name}.cpuprofile.gz\`.

| | |
|---|---:|
| PUT/s in the window (profiler on) | ${int(summary.perSecond)} |
| p50 / p99 ms | ${ms(summary.p50)} / ${ms(summary.p99)} |
| sampling interval | ${int(INTERVAL)} µs |
| event-loop thread busy, ms per PUT (sampled) | ${ms(busyMs / REQUESTS, 3)} |
| process CPU, ms per PUT (/proc: every thread, user + system) | ${ms(cpuMs / REQUESTS, 3)} |
| event-loop thread idle | ${((cut.idleUs / (cut.idleUs + cut.busyUs)) * 100).toFixed(0)} % of the window |

## Self time by origin (event-loop thread)

| origin | % of busy | ms per PUT |
|---|---:|---:|
${origins.join('\n')}

## Top ${TOP} functions by self time

| % of busy | ms per PUT | function | origin |
|---:|---:|---|---|
${functions.join('\n')}

## Machine

${info.markdown(command)}
`;
  const file = writeResult(name, markdown);
  log(`wrote ${file} and ${name}.svg`);
  removeTempDirs();
}

runBench(main);
