/**
 * What a big dataset costs after its first sync (the incremental and memory targets of bench/README.md): where the service's memory is (kernel and V8
 * views, `lib/memory-sample.ts`) idle after the first sync of N objects and after incremental flushes on top, and
 * what 100 changes cost at N files against the same at `--small` files, the two services flushed alternately so
 * that both see the same load.
 *
 * Writing N objects through the API takes minutes at 100,000; `--snapshot=<dir>` keeps the filled DATA_DIR (before
 * any flush) there and copies it for later runs (to `<dir>-run`: the embedded repository records the absolute path
 * of its DVC remote folder). `--heap-snapshot=<dir>` starts the big service with `--heapsnapshot-signal=SIGUSR2`
 * and writes a heap snapshot there once idle after the incremental flushes. `--main=<build>/dist/main.js` measures
 * another build (A/B). `--fill-in-process`: the big service receives the N PUTs itself, then flushes (as
 * `npm run bench` does), instead of starting on a snapshot.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json && node bench/.out/flush-memory.js [--objects=100000]
 *     [--small=1000] [--changes=100] [--repeats=5] [--snapshot=/tmp/flush-memory-100k] [--heap-snapshot=<dir>]
 *     [--main=<path>] [--fill-in-process] [--cpu-prof] [--service-env=NAME=value,...] [--out=<name>]
 *     [--node-args=--trace-gc,...] [--service-log=<file>] [--gap=<ms>] [--restart]
 *
 * Writes bench/results/flush-memory-run.md (or --out). Not a test: nothing passes or fails on a number.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeArgsOption, option, outName, textOption } from './lib/cli-options.js';
import { type CpuProfile, readProfile, selfTimes, windowOf } from './lib/cpu-profile.js';
import {
  DIRECTORY_DATASET,
  datasetBody,
  datasetKey,
  measuredFlush,
  type MeasuredFlush,
  putObjects,
  spreadChanges,
} from './lib/flush-measure.js';
import { MEMORY_HEADER, memoryLine, memoryRow, memorySample, type MemorySample } from './lib/memory-sample.js';
import { runBench, type Service, startService, tempDir } from './lib/processes.js';
import { int, loadAverage, log, median, RunInfo, writeResult } from './lib/report.js';
import { S3Putter } from './lib/s3-put.js';

const OBJECTS = option('objects', 100_000);
const SMALL = option('small', 1000);
const CHANGES = option('changes', 100);
const REPEATS = option('repeats', 5);
/** Idle seconds (since the phase ended) at which memory is sampled: V8's memory reducer starts ~8 s after a full GC. */
const IDLE_SAMPLES_S = [5, 10, 20, 40];
/** The big service receives the N PUTs itself and then flushes (as `npm run bench` does), instead of a snapshot. */
const FILL_IN_PROCESS = process.argv.includes('--fill-in-process');
/** Profile the big service (`node --cpu-prof`) and report where its incremental flushes (from the second) spend it. */
const CPU_PROF = process.argv.includes('--cpu-prof');
const TOP = 25;
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);
const SNAPSHOT = textOption('snapshot');
const HEAP_SNAPSHOT = textOption('heap-snapshot');
const MAIN = textOption('main');
/** Fixed credentials, so that a snapshot's objects are served by the next run's service too. */
const KEYS = { accessKeyId: 'AKBENCHFLUSHMEMORY', secretAccessKey: 'bench-flush-memory-secret-0123456789' };
/** `--service-env=NAME=value,NAME=value`: more environment for the big service (e.g. glibc's MALLOC_ARENA_MAX). */
const SERVICE_ENV = Object.fromEntries(
  (textOption('service-env') ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
);
const SETTINGS = { DVC_DATASET_PATH: DIRECTORY_DATASET };
/** `--node-args=--trace-gc,...`: more Node/V8 flags for both services (their output: `--service-log`). */
const NODE_ARGS = nodeArgsOption('node-args');
/**
 * Where to write the big service's last output (20,000 characters) once its incremental flushes are done; the small
 * one's goes to the same name + `.small`.
 */
const SERVICE_LOG = textOption('service-log');
/**
 * `--gap=<ms>`: idle time before each repeat's PUTs. `npm run bench` runs the dvc CLI between two repeats (~20 s), long
 * enough for the heap release (heap.release.ts) and V8's memory reducer to run between two flushes; 0 runs them back
 * to back.
 */
const GAP_MS = option('gap', 0);
/** `--restart`: SIGKILL and start the big service again before the incremental flushes, as `npm run bench` does. */
const RESTART = process.argv.includes('--restart');

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const object = (version: number) => (i: number) => ({ key: datasetKey(i), body: datasetBody(i, version) });

function start(dataDir: string, nodeArgs: string[] = []): Promise<Service> {
  return startService({ ...SETTINGS, ...SERVICE_ENV }, { main: MAIN, nodeArgs, previous: { dataDir, ...KEYS } });
}

/** A DATA_DIR holding OBJECTS acknowledged objects, none flushed: from the snapshot, or written now. */
async function filledDataDir(): Promise<string> {
  const dataDir = SNAPSHOT ? `${SNAPSHOT}-run` : join(tempDir('dvc-sync-memory-'), 'data');
  if (SNAPSHOT) rmSync(dataDir, { recursive: true, force: true });
  if (SNAPSHOT && existsSync(join(SNAPSHOT, 'state'))) {
    execFileSync('cp', ['-a', SNAPSHOT, dataDir]);
    return dataDir;
  }
  const service = await start(dataDir);
  const putter = new S3Putter(service, 16, 'presigned');
  const ms = await putObjects(service, putter, OBJECTS, object(0));
  putter.close();
  log(`${int(OBJECTS)} objects written in ${int(ms)} ms`);
  await service.kill(); // SIGKILL: a graceful stop would flush them (the PUTs are durable once acknowledged)
  if (SNAPSHOT) execFileSync('cp', ['-a', dataDir, SNAPSHOT]);
  return dataDir;
}

/** Sends SIGUSR2 and waits for the `.heapsnapshot` file to be complete (its size stops changing). */
async function heapSnapshot(service: Service, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(service.pid, 'SIGUSR2');
  for (let i = 0; i < 600; i++) {
    await delay(500);
    const written = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (written) {
      let size = -1;
      for (;;) {
        const now = Number(execFileSync('stat', ['-c', '%s', join(dir, written)], { encoding: 'utf8' }));
        if (now === size && now > 0) return join(dir, written);
        size = now;
        await delay(1000);
      }
    }
  }
  throw new Error('no heap snapshot written within 5 minutes');
}

/** Self time by function over the profiled flushes (event-loop thread, `node --cpu-prof`), as markdown lines. */
function profileSummary(profile: CpuProfile, windows: Array<{ from: number; to: number }>): string[] {
  const sums = new Map<string, { origin: string; us: number }>();
  let busyUs = 0;
  for (const window of windows) {
    const cut = windowOf(profile, window.from, window.to);
    busyUs += cut.busyUs;
    for (const f of selfTimes(cut.root)) {
      const entry = sums.get(f.name) ?? { origin: f.origin, us: 0 };
      entry.us += f.us;
      sums.set(f.name, entry);
    }
  }
  const perFlush = (us: number) => (us / 1000 / windows.length).toFixed(1);
  const top = [...sums].sort((a, b) => b[1].us - a[1].us).slice(0, TOP);
  return [
    `## Where an incremental flush at ${int(OBJECTS)} files spends the event-loop thread (\`--cpu-prof\`)`,
    '',
    `Flushes 2–${REPEATS}: ${perFlush(busyUs)} ms busy per flush. Top ${TOP} functions by self time:`,
    '',
    '| ms per flush | function | origin |',
    '|---:|---|---|',
    ...top.map(([name, f]) => `| ${perFlush(f.us)} | \`${name.replace(/\|/g, '\\|')}\` | ${f.origin} |`),
    '',
  ];
}

async function main() {
  const info = new RunInfo();
  log(`load average ${info.loadBefore}; ${int(OBJECTS)} objects vs ${int(SMALL)}; ${REPEATS} × ${CHANGES} changes`);
  const dataDir = FILL_IN_PROCESS ? join(tempDir('dvc-sync-memory-'), 'data') : await filledDataDir();
  const samples: Array<[string, MemorySample]> = [];
  const sample = async (label: string, service: Service) => {
    const s = await memorySample(service.url, service.pid);
    samples.push([label, s]);
    log(`${label}: ${memoryLine(s)}`);
  };
  /** Samples while the service sits idle after `what`, at each of IDLE_SAMPLES_S. */
  const idleSamples = async (what: string, service: Service) => {
    let waited = 0;
    for (const seconds of IDLE_SAMPLES_S) {
      await delay((seconds - waited) * 1000);
      waited = seconds;
      await sample(`idle ${seconds} s after ${what}`, service);
    }
  };

  const small = await startService(SETTINGS, { main: MAIN, nodeArgs: NODE_ARGS });
  const smallPutter = new S3Putter(small, 16, 'presigned');
  await putObjects(small, smallPutter, SMALL, object(0));
  await measuredFlush(small, 'small, first flush');

  if (HEAP_SNAPSHOT) mkdirSync(HEAP_SNAPSHOT, { recursive: true });
  const nodeArgs = HEAP_SNAPSHOT ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${HEAP_SNAPSHOT}`] : [];
  nodeArgs.push(...NODE_ARGS);
  const profileDir = CPU_PROF ? tempDir('bench-cpu-prof-') : undefined;
  if (profileDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  const windows: Array<{ from: number; to: number }> = [];
  let big = await start(dataDir, nodeArgs);
  let bigPutter = new S3Putter(big, 16, 'presigned');
  if (FILL_IN_PROCESS) {
    const ms = await putObjects(big, bigPutter, OBJECTS, object(0));
    log(`${int(OBJECTS)} objects written in ${int(ms)} ms by this process`);
  } else log(`started on ${int(OBJECTS)} unflushed objects in ${int(big.readyMs)} ms`);
  await sample('started, before the first sync', big);
  const first = await measuredFlush(big, 'first sync');
  log(`first sync ${int(first.durationMs)} ms, CPU ${int(first.serverCpuMs)} ms (load ${loadAverage()})`);
  await sample('right after the first sync', big);
  await idleSamples('the first sync', big);
  if (RESTART) {
    bigPutter.close();
    await big.kill();
    big = await start(dataDir, nodeArgs);
    bigPutter = new S3Putter(big, 16, 'presigned');
    log(`restarted before the incremental flushes in ${int(big.readyMs)} ms`);
    await idleSamples('a restart', big);
  }

  const bigFlushes: MeasuredFlush[] = [];
  const smallFlushes: MeasuredFlush[] = [];
  for (let repeat = 1; repeat <= REPEATS; repeat++) {
    await delay(GAP_MS);
    const bigChanged = spreadChanges(OBJECTS, CHANGES, repeat);
    await putObjects(big, bigPutter, bigChanged.length, (n) => object(repeat)(bigChanged[n]));
    const from = monotonicUs();
    bigFlushes.push(await measuredFlush(big, `${CHANGES} changes into ${OBJECTS}`));
    if (repeat > 1) windows.push({ from, to: monotonicUs() });
    const smallChanged = spreadChanges(SMALL, CHANGES, repeat);
    await putObjects(small, smallPutter, smallChanged.length, (n) => object(repeat)(smallChanged[n]));
    smallFlushes.push(await measuredFlush(small, `${CHANGES} changes into ${SMALL}`));
    const [b, s] = [bigFlushes.at(-1)!, smallFlushes.at(-1)!];
    log(
      `repeat ${repeat}: ${int(OBJECTS)} files ${int(b.durationMs)} ms (CPU ${int(b.serverCpuMs)}), ` +
        `${int(SMALL)} files ${int(s.durationMs)} ms (CPU ${int(s.serverCpuMs)}) (load ${loadAverage()})`,
    );
  }
  if (SERVICE_LOG) writeFileSync(SERVICE_LOG, big.logs());
  if (SERVICE_LOG) writeFileSync(`${SERVICE_LOG}.small`, small.logs());
  await sample(`right after ${REPEATS} incremental flushes`, big);
  await idleSamples(`${REPEATS} incremental flushes`, big);
  let snapshotFile: string | undefined;
  if (HEAP_SNAPSHOT) {
    snapshotFile = await heapSnapshot(big, HEAP_SNAPSHOT);
    await sample('after writing a heap snapshot (a full GC)', big);
  }
  smallPutter.close();
  bigPutter.close();
  await small.kill();
  let profiled: string[] = [];
  if (profileDir) {
    process.kill(big.pid, 'SIGTERM'); // node writes the profile on exit
    profiled = profileSummary(await readProfile(profileDir), windows);
  }
  await big.kill();
  const again = await start(dataDir);
  log(`restart with ${int(OBJECTS)} objects to healthy: ${int(again.readyMs)} ms`);
  await delay(3000);
  await sample('3 s after a restart (SIGKILL, then a new process)', again);
  await again.kill();
  if (SNAPSHOT) rmSync(dataDir, { recursive: true, force: true });
  info.finish();

  const medianOf = (flushes: MeasuredFlush[], pick: (f: MeasuredFlush) => number) => median(flushes.map(pick));
  const [bigMs, smallMs] = [medianOf(bigFlushes, (f) => f.durationMs), medianOf(smallFlushes, (f) => f.durationMs)];
  const [bigCpu, smallCpu] = [medianOf(bigFlushes, (f) => f.serverCpuMs), medianOf(smallFlushes, (f) => f.serverCpuMs)];
  const rows = bigFlushes.map(
    (b, i) =>
      `| ${i + 1} | ${int(b.durationMs)} | ${int(b.serverCpuMs)} | ${int(smallFlushes[i].durationMs)} | ${int(smallFlushes[i].serverCpuMs)} |`,
  );
  const command = `node bench/.out/flush-memory.js ${process.argv.slice(2).join(' ')}`;
  const markdown = [
    `# Memory and incremental flushes at ${int(OBJECTS)} objects`,
    '',
    `First sync of ${int(OBJECTS)} objects (directory layout \`${DIRECTORY_DATASET}\`, embedded repository and DVC remote): ` +
      `${int(first.durationMs)} ms, ${int(first.serverCpuMs)} ms of CPU. Restart to a healthy /_admin/health: ${int(again.readyMs)} ms.`,
    '',
    '## Memory of the big service',
    '',
    MEMORY_HEADER,
    ...samples.map(([label, s]) => memoryRow(label, s)),
    '',
    snapshotFile ? `Heap snapshot: \`${snapshotFile}\`.\n` : '',
    ...profiled,
    `## ${CHANGES} changes: ${int(OBJECTS)} files against ${int(SMALL)}, flushed alternately`,
    '',
    `| repeat | ${int(OBJECTS)} files, ms | CPU ms | ${int(SMALL)} files, ms | CPU ms |`,
    '|---:|---:|---:|---:|---:|',
    ...rows,
    `| median | ${int(bigMs)} | ${int(bigCpu)} | ${int(smallMs)} | ${int(smallCpu)} |`,
    '',
    `Ratio of the medians: wall ${(bigMs / smallMs).toFixed(2)}×, CPU ${(bigCpu / Math.max(smallCpu, 1)).toFixed(2)}× (target ≤ 2×, wall).`,
    '',
    '## Machine',
    '',
    info.markdown(command),
    '',
  ].join('\n');
  const file = writeResult(outName('flush-memory-run'), markdown);
  log(`wrote ${file} (load ${loadAverage()})`);
}

runBench(main);
