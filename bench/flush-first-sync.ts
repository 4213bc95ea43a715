/**
 * A whole-project sync, as Label Studio's *Sync* of a big project makes it: N objects written through the S3 API,
 * then the first flush of all of them (directory layout, embedded git repository and DVC remote: no network), then
 * what the service costs afterwards: resident memory idle, 100 changes into the big dataset, and the time a restart
 * takes to a healthy `/_admin/health` with N stored objects.
 *
 * Writing N objects through the API takes minutes at 100,000; `--snapshot=<dir>` keeps the filled DATA_DIR (before
 * any flush) there and copies it for later runs, so that only the flush is repeated.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json && node bench/.out/flush-first-sync.js [--objects=100000]
 *     [--changes=100] [--repeats=3] [--snapshot=/tmp/first-sync-100k] [--cpu-prof=<dir>] [--out=<name>]
 *
 * Writes bench/results/flush-first-sync-run.md (or --out). Not a test: nothing passes or fails on a number.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spreadChanges } from './lib/flush-measure.js';
import { runLoad } from './lib/load.js';
import { flush, runBench, type Service, startService, tempDir } from './lib/processes.js';
import { int, loadAverage, log, median, RunInfo, writeResult } from './lib/report.js';
import { S3Putter } from './lib/s3-put.js';
import { option, outName, textOption } from './lib/cli-options.js';

const OBJECTS = option('objects', 100_000);
const CHANGES = option('changes', 100);
const REPEATS = option('repeats', 3);
const FILL_CONCURRENCY = 16;
const SNAPSHOT = textOption('snapshot');
const CPU_PROF = textOption('cpu-prof');
/** Fixed credentials, so that a snapshot's objects are served by the next run's service too. */
const KEYS = { S3_ACCESS_KEY_ID: 'AKBENCHFIRSTSYNC', S3_SECRET_ACCESS_KEY: 'bench-first-sync-secret-0123456789' };

const key = (i: number) => `objects/${String(i).padStart(6, '0')}.json`;
const body = (i: number, version: number) =>
  Buffer.from(`{"id":${i},"version":${version},"label":"${version % 2 ? 'positive' : 'negative'}","note":"bench"}\n`);

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? NaN) / 1024;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function start(dataDir: string, profile: boolean): Promise<{ service: Service; startupMs: number }> {
  const started = performance.now();
  const env: Record<string, string> = { ...KEYS, DATA_DIR: dataDir, DVC_DATASET_PATH: 'data/annotations' };
  if (profile && CPU_PROF) env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${CPU_PROF}`;
  const service = await startService(env);
  const startupMs = performance.now() - started;
  return {
    service: { ...service, accessKeyId: KEYS.S3_ACCESS_KEY_ID, secretAccessKey: KEYS.S3_SECRET_ACCESS_KEY },
    startupMs,
  };
}

/** SIGTERM and wait: the service shuts down on its own (and writes its --cpu-prof profile). */
async function stop(service: Service): Promise<void> {
  process.kill(service.pid, 'SIGTERM');
  for (let i = 0; i < 600; i++) {
    try {
      process.kill(service.pid, 0);
    } catch {
      return;
    }
    await delay(100);
  }
  await service.kill();
}

async function write(service: Service, indexes: number[], version: number): Promise<number> {
  const putter = new S3Putter(service, FILL_CONCURRENCY);
  try {
    const result = await runLoad(putter, {
      requests: indexes.length,
      concurrency: FILL_CONCURRENCY,
      object: (n) => ({ key: key(indexes[n]), body: body(indexes[n], version) }),
    });
    if (result.errors.length > 0) throw new Error(`PUTs failed:\n${result.errors.slice(0, 5).join('\n')}`);
    return result.wallMs;
  } finally {
    putter.close();
  }
}

/**
 * A DATA_DIR holding OBJECTS acknowledged objects, none flushed: from the snapshot, or written now. With a snapshot
 * the run's DATA_DIR is always `<snapshot>-run`: the embedded repository records the DVC remote's absolute path
 * (`DATA_DIR/dvc-remote`), so a copy elsewhere would push to the folder of the run that made the snapshot.
 */
async function filledDataDir(): Promise<{ dataDir: string; fillMs: number | null }> {
  const dataDir = SNAPSHOT ? `${SNAPSHOT}-run` : join(tempDir('dvc-sync-first-'), 'data');
  if (SNAPSHOT) rmSync(dataDir, { recursive: true, force: true });
  if (SNAPSHOT && existsSync(join(SNAPSHOT, 'state'))) {
    execFileSync('cp', ['-a', SNAPSHOT, dataDir]);
    return { dataDir, fillMs: null };
  }
  const { service } = await start(dataDir, false);
  const fillMs = await write(
    service,
    Array.from({ length: OBJECTS }, (_, i) => i),
    0,
  );
  await service.kill(); // SIGKILL: a graceful stop would flush them (the PUTs are durable once acknowledged)
  if (SNAPSHOT) execFileSync('cp', ['-a', dataDir, SNAPSHOT]);
  return { dataDir, fillMs };
}

async function main() {
  const info = new RunInfo();
  log(`load average ${info.loadBefore}; ${int(OBJECTS)} objects`);
  const { dataDir, fillMs } = await filledDataDir();
  if (fillMs !== null) log(`written in ${int(fillMs)} ms`);
  const first = await start(dataDir, true);
  const service = first.service;
  log(`started with ${int(OBJECTS)} unflushed objects in ${int(first.startupMs)} ms`);
  const cpu0 = cpuMs(service.pid);
  const answer = await flush(service);
  const firstCpu = cpuMs(service.pid) - cpu0;
  const firstMs = answer.status.lastFlush!.durationMs;
  const peakRss = readFileSync(`/proc/${service.pid}/status`, 'utf8').match(/VmHWM:\s+(\d+)/)?.[1];
  const uploaded = answer.status.lastFlush!.uploadedObjects;
  if (answer.status.lastFlush!.added !== OBJECTS || uploaded !== OBJECTS + 1)
    throw new Error(`the first flush added ${answer.status.lastFlush!.added} and uploaded ${uploaded} objects`);
  log(
    `first flush ${int(firstMs)} ms (${int((OBJECTS / firstMs) * 1000)} objects/s, ${int(uploaded)} uploaded), CPU ${int(firstCpu)} ms`,
  );
  const incremental: Array<{ ms: number; cpu: number }> = [];
  for (let repeat = 1; repeat <= REPEATS; repeat++) {
    await write(service, spreadChanges(OBJECTS, CHANGES, repeat), repeat);
    const c0 = cpuMs(service.pid);
    const a = await flush(service);
    incremental.push({ ms: a.status.lastFlush!.durationMs, cpu: cpuMs(service.pid) - c0 });
    log(`${CHANGES} changes: ${int(a.status.lastFlush!.durationMs)} ms`);
  }
  await delay(10_000);
  const idleRss = rssMb(service.pid);
  log(`idle RSS 10 s after the flushes: ${int(idleRss)} MB (peak ${int(Number(peakRss) / 1024)} MB)`);
  await stop(service);
  const again = await start(dataDir, false);
  log(`restart with ${int(OBJECTS)} objects to healthy: ${int(again.startupMs)} ms`);
  await delay(3_000);
  const restartRss = rssMb(again.service.pid);
  await again.service.kill();
  if (SNAPSHOT) rmSync(dataDir, { recursive: true, force: true });
  info.finish();
  const rows = [
    `| objects | ${int(OBJECTS)} |`,
    `| fill through the API | ${fillMs === null ? 'from snapshot' : `${int(fillMs)} ms`} |`,
    `| startup before the first flush (to healthy) | ${int(first.startupMs)} ms |`,
    `| first flush (lastFlush.durationMs) | ${int(firstMs)} ms |`,
    `| first flush objects/s | ${int((OBJECTS / firstMs) * 1000)} (${int(uploaded)} DVC objects uploaded: the files and the .dir) |`,
    `| first flush server CPU | ${int(firstCpu)} ms |`,
    `| peak RSS (VmHWM) after the first flush | ${int(Number(peakRss) / 1024)} MB |`,
    `| ${CHANGES} changes (median of ${REPEATS}) | ${int(median(incremental.map((m) => m.ms)))} ms (${incremental.map((m) => int(m.ms)).join(' / ')}), CPU ${int(median(incremental.map((m) => m.cpu)))} ms |`,
    `| idle RSS 10 s after | ${int(idleRss)} MB |`,
    `| restart to healthy with ${int(OBJECTS)} objects | ${int(again.startupMs)} ms |`,
    `| RSS 3 s after the restart | ${int(restartRss)} MB |`,
  ];
  const command = `node bench/.out/flush-first-sync.js ${process.argv.slice(2).join(' ')}`;
  const file = writeResult(
    outName('flush-first-sync-run'),
    `# First sync of ${int(OBJECTS)} objects\n\n| | |\n|---|---|\n${rows.join('\n')}\n\n## Machine\n\n${info.markdown(command)}\n`,
  );
  log(`wrote ${file} (load ${loadAverage()})`);
}

runBench(main);
