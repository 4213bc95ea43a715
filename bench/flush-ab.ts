/**
 * Incremental flushes of two builds (A/B), interleaved in one run: the way to judge a change of the 100-change flush
 * on a shared, noisy machine, where two runs of `flush-memory.ts` minutes apart differ by more than the change.
 * Both builds serve one directory dataset of N objects each (filled through S3 and flushed once, untimed), then take
 * turns: each repeat PUTs the same `--changes` updates into both (spread over the key range, as `npm run bench`
 * makes them), runs `sync(1)` (so that neither pays for the other's dirty pages) and flushes each, the order
 * alternating from repeat to repeat. Reports `lastFlush.durationMs` and the service's CPU time (/proc) per flush.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json
 *   node bench/.out/flush-ab.js --a=<other build>/dist/main.js [--a-label=main] [--b=dist/main.js] [--b-label=this]
 *     [--objects=100000] [--changes=100] [--repeats=9] [--out=flush-ab] [--restart=a|b|both] [--idle=<ms> [--idle-side=a|b|both]]
 *     [--a-node-args=--flag,...] [--b-node-args=--flag,...]
 *
 * `--restart=b` kills B after its first flush and starts it again on the same DATA_DIR, as `npm run bench` does to
 * the big service before its incremental flushes: with `--a` and `--b` the same build, it measures what a restart
 * costs the flushes that follow.
 *
 * `--idle=<ms>` keeps the machine idle that long before each flush of one side (`--idle-side=a|b|both`, default b), as
 * `npm run bench` does between two flushes of its big service while the dvc CLI's job runs (~27 s): with `--a` and
 * `--b` the same build, it measures what the time since the last flush costs a flush.
 *
 * (An older build runs from a copy of its dist/ next to a node_modules, as for put-ab.ts.) Writes
 * bench/results/<out>.md. Not a test.
 */
import { execFileSync } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { abBuilds, nodeArgsOption, option, outName, textOption } from './lib/cli-options.js';
import {
  datasetBody,
  datasetKey,
  DIRECTORY_DATASET,
  type MeasuredFlush,
  measuredFlush,
  putObjects,
  spreadChanges,
} from './lib/flush-measure.js';
import { repoRoot, runBench, type Service, startService } from './lib/processes.js';
import { int, loadAverage, log, median, RunInfo, writeResult } from './lib/report.js';
import { S3Putter } from './lib/s3-put.js';

const OBJECTS = option('objects', 100_000);
const CHANGES = option('changes', 100);
const REPEATS = option('repeats', 9);
const BUILDS = abBuilds(`${repoRoot}/dist/main.js`);
const RESTART = textOption('restart');
const IDLE = option('idle', 0);
const IDLE_SIDE = textOption('idle-side', 'b');
/** Node flags one side runs with besides the shipped ones (`--b-node-args=--no-flush-bytecode,...`). */
const NODE_ARGS = ['a', 'b'].map((side) => nodeArgsOption(`${side}-node-args`));
const idles = (index: number) => IDLE > 0 && (IDLE_SIDE === 'both' || IDLE_SIDE === ['a', 'b'][index]);
const restarted = (index: number) => RESTART === 'both' || RESTART === ['a', 'b'][index];

interface Flushed extends MeasuredFlush {
  repeat: number;
  label: string;
  load: string;
}

async function main() {
  if (!BUILDS[0].main) throw new Error('--a=<other build>/dist/main.js is required');
  const info = new RunInfo();
  const served: Array<{ label: string; service: Service; putter: S3Putter; index: number }> = [];
  const runs: Flushed[] = [];
  try {
    for (const [index, build] of BUILDS.entries()) {
      const settings = { DVC_DATASET_PATH: DIRECTORY_DATASET };
      let service = await startService(settings, { main: build.main, nodeArgs: NODE_ARGS[index] });
      let putter = new S3Putter(service, 16, 'presigned');
      const fillMs = await putObjects(service, putter, OBJECTS, (i) => ({
        key: datasetKey(i),
        body: datasetBody(i, 0),
      }));
      execFileSync('sync');
      const first = await measuredFlush(service, `${build.label}: first flush`);
      log(`${build.label}: ${int(OBJECTS)} objects PUT in ${int(fillMs)} ms, first flush ${int(first.durationMs)} ms`);
      if (restarted(index)) {
        putter.close();
        await service.kill();
        service = await startService(settings, { main: build.main, previous: service, nodeArgs: NODE_ARGS[index] });
        putter = new S3Putter(service, 16, 'presigned');
        await delay(5000); // as npm run bench: the base and the remote settled while idle (FlushPipeline.prepare)
        log(`${build.label}: restarted in ${int(service.readyMs)} ms`);
      }
      served.push({ label: build.label, service, putter, index });
    }
    for (let repeat = 1; repeat <= REPEATS; repeat++) {
      const keys = spreadChanges(OBJECTS, CHANGES, repeat); // the same for both builds
      for (const { service, putter } of served)
        await putObjects(service, putter, keys.length, (n) => ({
          key: datasetKey(keys[n]),
          body: datasetBody(keys[n], repeat),
        }));
      for (const { label, service, index } of repeat % 2 === 1 ? served : [...served].reverse()) {
        if (idles(index)) await delay(IDLE);
        execFileSync('sync');
        const load = loadAverage().split(' ')[0];
        const flushed = await measuredFlush(service, `${label}: ${CHANGES} changes, repeat ${repeat}`);
        if (flushed.updated !== keys.length)
          throw new Error(`${label}: repeat ${repeat} updated ${flushed.updated} files, not ${keys.length}`);
        runs.push({ ...flushed, repeat, label, load });
        log(
          `repeat ${repeat} ${label}: ${int(flushed.durationMs)} ms, CPU ${int(flushed.serverCpuMs)} ms, ${int(flushed.serverPageFaults)} page faults (load ${load})`,
        );
      }
    }
  } finally {
    for (const { service, putter } of served) {
      putter.close();
      await service.kill();
    }
  }
  info.finish();
  const mine = (label: string) => runs.filter((r) => r.label === label);
  const [a, b] = BUILDS.map((build) => mine(build.label));
  const wall = (list: Flushed[]) => median(list.map((r) => r.durationMs));
  const cpu = (list: Flushed[]) => median(list.map((r) => r.serverCpuMs));
  // Same-repeat ratios: the two flushes of a repeat ran seconds apart, under the same background load.
  const ratios = b.map((run, i) => run.durationMs / a[i].durationMs);
  const command = `node bench/.out/flush-ab.js ${process.argv.slice(2).join(' ')}`;
  const file = writeResult(
    outName('flush-ab'),
    [
      `# ${int(CHANGES)} changes into ${int(OBJECTS)} files, A/B: ${BUILDS.map((x, i) => `${x.label} = \`${x.main}\`${restarted(i) ? ' (restarted after its first flush)' : ''}${NODE_ARGS[i].length > 0 ? ` (node ${NODE_ARGS[i].join(' ')})` : ''}${idles(i) ? ` (${int(IDLE)} ms idle before each flush)` : ''}`).join(', ')}`,
      '',
      '| build | flush ms (median) | service CPU ms (median) |',
      '|---|---:|---:|',
      ...BUILDS.map((build, i) => `| ${build.label} | ${int(wall([a, b][i]))} | ${int(cpu([a, b][i]))} |`),
      '',
      `${BUILDS[1].label} ÷ ${BUILDS[0].label}: median of the same-repeat ratios ${median(ratios).toFixed(2)}×; ` +
        `ratio of the medians: wall ${(wall(b) / wall(a)).toFixed(2)}×, CPU ${(cpu(b) / cpu(a)).toFixed(2)}×.`,
      '',
      '| repeat | build | flush ms (lastFlush.durationMs) | POST wall ms | service CPU ms | minor page faults | objects uploaded | load (1 min) |',
      '|---:|---|---:|---:|---:|---:|---:|---|',
      ...runs.map(
        (r) =>
          `| ${r.repeat} | ${r.label} | ${int(r.durationMs)} | ${int(r.wallMs)} | ${int(r.serverCpuMs)} | ${int(r.serverPageFaults)} | ${r.uploadedObjects} | ${r.load} |`,
      ),
      '',
      '## Machine',
      '',
      info.markdown(command),
    ].join('\n'),
  );
  log(`wrote ${file}`);
}

runBench(main);
