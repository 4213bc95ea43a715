/**
 * The first flush of two builds (A/B) from the same filled DATA_DIR, interleaved in one run: the way to judge a
 * change of the first sync on a shared, noisy machine. The snapshot is one `flush-first-sync.ts --snapshot=<dir>`
 * filled (N objects acknowledged, nothing flushed); each run copies it to `<dir>-run` (the embedded repository
 * records the DVC remote's absolute path there), starts one build on it, times `POST /_admin/sync` and reads the
 * service's CPU time (user + system, /proc) around it, the steadier figure under load. The order alternates from
 * round to round, so background load falls on both alike.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json
 *   node bench/.out/first-sync-ab.js --snapshot=/tmp/first-sync-100k --a=<other build>/dist/main.js
 *     [--a-label=main] [--b=dist/main.js] [--b-label=this] [--rounds=2] [--cpu-prof=<dir>] [--out=first-sync-ab]
 *
 * (An older build runs from a copy of its dist/ next to a node_modules, as for put-ab.ts.) `--cpu-prof` profiles
 * every run into <dir>/<label>-<round>/. Writes bench/results/<out>.md. Not a test.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { abBuilds, option, outName, textOption } from './lib/cli-options.js';
import { flush, processCpuMs, repoRoot, runBench, startService } from './lib/processes.js';
import { int, loadAverage, log, median, RunInfo, writeResult } from './lib/report.js';

const ROUNDS = option('rounds', 2);
const SNAPSHOT = textOption('snapshot');
const CPU_PROF = textOption('cpu-prof');
const BUILDS = abBuilds(`${repoRoot}/dist/main.js`);

interface Run {
  round: number;
  label: string;
  objects: number;
  wallMs: number;
  cpuMs: number;
  load: string;
}

async function firstFlush(round: number, build: (typeof BUILDS)[number]): Promise<Run> {
  const dataDir = `${SNAPSHOT}-run`;
  rmSync(dataDir, { recursive: true, force: true });
  execFileSync('cp', ['-a', SNAPSHOT!, dataDir]);
  const load = loadAverage().split(' ')[0];
  const nodeArgs = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${join(CPU_PROF, `${build.label}-${round}`)}`] : [];
  const service = await startService(
    { DATA_DIR: dataDir, DVC_DATASET_PATH: 'data/annotations' },
    { main: build.main, nodeArgs },
  );
  try {
    const cpu0 = processCpuMs(service.pid);
    const answer = await flush(service);
    const cpuMs = processCpuMs(service.pid) - cpu0;
    const last = answer.status.lastFlush!;
    if (last.added === 0 || last.uploadedObjects !== last.added + 1)
      throw new Error(`${build.label}: the flush added ${last.added} and uploaded ${last.uploadedObjects} objects`);
    const run = { round, label: build.label, objects: last.added, wallMs: last.durationMs, cpuMs, load };
    log(`${build.label} round ${round}: ${int(run.wallMs)} ms, CPU ${int(cpuMs)} ms (load ${load})`);
    return run;
  } finally {
    // SIGTERM lets a --cpu-prof profile be written; nothing is pending after the flush, so the stop is quick.
    process.kill(service.pid, CPU_PROF ? 'SIGTERM' : 'SIGKILL');
    for (let i = 0; i < 600 && isAlive(service.pid); i++) await new Promise((r) => setTimeout(r, 100));
    await service.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function main() {
  if (!SNAPSHOT || !existsSync(join(SNAPSHOT, 'state'))) throw new Error('--snapshot=<a filled DATA_DIR> is required');
  if (!BUILDS[0].main) throw new Error('--a=<other build>/dist/main.js is required');
  const info = new RunInfo();
  const runs: Run[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? BUILDS : [...BUILDS].reverse();
    for (const build of order) runs.push(await firstFlush(round, build));
  }
  info.finish();
  const rows = runs.map(
    (r) =>
      `| ${r.round} | ${r.label} | ${int(r.objects)} | ${int(r.wallMs)} | ${int((r.objects / r.wallMs) * 1000)} | ${int(r.cpuMs)} | ${int((r.objects / r.cpuMs) * 1000)} | ${r.load} |`,
  );
  const summary = BUILDS.map((b) => {
    const mine = runs.filter((r) => r.label === b.label);
    const wall = median(mine.map((r) => r.wallMs));
    const cpu = median(mine.map((r) => r.cpuMs));
    return `| ${b.label} | ${int(wall)} | ${int((mine[0].objects / wall) * 1000)} | ${int(cpu)} | ${int((mine[0].objects / cpu) * 1000)} |`;
  });
  const command = `node bench/.out/first-sync-ab.js ${process.argv.slice(2).join(' ')}`;
  const file = writeResult(
    outName('first-sync-ab'),
    [
      `# First flush, A/B: ${BUILDS.map((b) => `${b.label} = \`${b.main}\``).join(', ')}`,
      '',
      '| build | wall ms (median) | objects/s | service CPU ms (median) | objects per CPU second |',
      '|---|---:|---:|---:|---:|',
      ...summary,
      '',
      '| round | build | objects | wall ms (lastFlush.durationMs) | objects/s | service CPU ms | objects per CPU s | load (1 min) at start |',
      '|---:|---|---:|---:|---:|---:|---:|---|',
      ...rows,
      '',
      '## Machine',
      '',
      info.markdown(command),
    ].join('\n'),
  );
  log(`wrote ${file}`);
}

runBench(main);
