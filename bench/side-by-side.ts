/**
 * `npm run bench`: this service next to its peers, in one run, on the same machine (the targets of bench/README.md):
 *   PUT    — 2 KiB objects through presigned URLs, 8 clients and 1 client, against the service, s3rver (npm), the
 *            fsync floor (bench/baseline-server.ts), the floor with a folder fsync, with this service's disk work
 *            (`design`), with that disk work and the least CPU work an indexed S3 server needs (`essential`), a
 *            null server (the client's ceiling); and the service's PUTs while it flushes a big batch (invariant 7).
 *            Rounds are interleaved, the order rotating.
 *   sync   — N objects PUT through S3 (untimed), then the service's first flush (commit + DVC push + git push, the
 *            embedded mode), against the dvc CLI doing the same job on the same files (`dvc add` + `dvc push` +
 *            `git commit` + `git push`); the service's idle memory after it and its restart time on those N
 *            objects; then 100 changes at a time, flushed by the service (on N objects and on 1,000) and by the dvc
 *            CLI. After every sync, the service's `.dvc` and dvc's must name the same `.dir`: both did the same job.
 *   projects — one service with 10 projects of 10,000 objects each (PROJECTS_FILE): idle RSS after their first
 *            syncs, restart to healthy (lib/projects-memory.ts).
 *
 *   npm run bench                     full size (N = 100,000; ~10 min on the 2-core dev box)
 *   npm run bench -- --quick          N = 3,000, one PUT round, one dvc repeat: about a minute
 *   options (full-run defaults): --objects=100000 --small=1000 --changes=100 --repeats=5 --dvc-repeats=3
 *            --rounds=5 --requests=3000 --requests-single=1000 --batch=6000 --body=2048 --projects=10
 *            --project-objects=10000 --out=<name>
 *
 * Writes bench/results/<YYYY-MM-DD>.md (a quick run: <YYYY-MM-DD>-quick.md). Every figure has its ratio to the
 * peer and its target, PASS or MISS. Exits 1 when the service's and dvc's datasets disagree.
 */
import { execFileSync } from 'node:child_process';
import { flag, option, outName } from './lib/cli-options.js';
import { dirObjectCost } from './lib/dir-object-cost.js';
import { DvcCliJob, type DvcJobTimes } from './lib/dvc-cli-job.js';
import {
  DIRECTORY_DATASET,
  datasetBody,
  datasetKey,
  dvcOutput,
  embeddedDvcFile,
  measuredFlush,
  type MeasuredFlush,
  putObjects,
  spreadChanges,
} from './lib/flush-measure.js';
import { paddedBody, runLoad } from './lib/load.js';
import { measureProjectsMemory } from './lib/projects-memory.js';
import {
  removeTempDirs,
  residentBytes,
  runBench,
  s3rverVersion,
  type Service,
  type Spawned,
  startBaseline,
  startS3rver,
  startService,
} from './lib/processes.js';
import { duringFlushRound, failOnErrors, plainRound, putKey, type RoundResult } from './lib/put-rounds.js';
import { int, loadAverage, log, ms, RunInfo, writeResult } from './lib/report.js';
import { S3Putter, type S3Target } from './lib/s3-put.js';
import { type Agreement, report, type SideBySide } from './lib/side-by-side.report.js';

const QUICK = flag('quick');
const params = {
  quick: QUICK,
  // Five, not three: the PUT ratios are medians of same-round ratios, and on this shared 2-core machine the floor
  // alone ran at 1,405 and 3,341–3,513 PUT/s in the rounds of one run (bench/results/2026-12-05-run35.md).
  rounds: option('rounds', QUICK ? 1 : 5),
  requests: option('requests', QUICK ? 800 : 3000),
  requestsSingle: option('requests-single', QUICK ? 200 : 1000),
  body: option('body', 2048),
  batch: option('batch', QUICK ? 2000 : 6000),
  objects: option('objects', QUICK ? 3000 : 100_000),
  small: option('small', 1000),
  changes: option('changes', 100),
  repeats: option('repeats', QUICK ? 3 : 5),
  dvcRepeats: option('dvc-repeats', QUICK ? 1 : 3),
  /** How long the service sits idle before its RSS is read. */
  settleMs: QUICK ? 2000 : 5000,
  /** The many-projects memory case of the targets: projects × objects each. */
  projects: option('projects', 10),
  projectObjects: option('project-objects', QUICK ? 300 : 10_000),
};
export type Params = typeof params;

const PUT_TARGETS = ['null', 'fsync', 'fsync-dir', 'design', 'essential', 's3rver', 'service', 'during'] as const;
type PutTarget = (typeof PUT_TARGETS)[number];
/**
 * PUTs every server gets before the rounds (at 8 clients): a service started cold spent 1.6 and 1.2 ms of CPU per PUT
 * in its first two rounds of 1,000 and 0.4–0.7 ms from its fourth on (JIT, heap sizing: bench/results/warm-up.md);
 * 300, as until run 36, left the first measured round partly cold. Every target gets the same.
 */
const WARMUP = 3000;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function putSection(): Promise<RoundResult[]> {
  const servers: Record<PutTarget, Spawned & S3Target> = {
    null: await startBaseline('null'),
    fsync: await startBaseline('fsync'),
    'fsync-dir': await startBaseline('fsync-dir'),
    design: await startBaseline('design'),
    essential: await startBaseline('essential'),
    s3rver: await startS3rver(),
    service: await startService({ DVC_DATASET_PATH: DIRECTORY_DATASET }),
    during: await startService({ DVC_DATASET_PATH: DIRECTORY_DATASET }),
  };
  const putters = Object.fromEntries(
    PUT_TARGETS.map((name) => [name, new S3Putter(servers[name], 16, 'presigned')]),
  ) as Record<PutTarget, S3Putter>;
  const results: RoundResult[] = [];
  const plan = { requests: params.requests, concurrency: 8, body: params.body };
  const single = { requests: params.requestsSingle, concurrency: 1, body: params.body };
  try {
    // Warm up every server and connection pool (JIT, sqlite pages), and give `during` its first commit, so that
    // each of its rounds is an ordinary incremental flush of `batch` new objects.
    for (const name of PUT_TARGETS) {
      const warm = await runLoad(putters[name], {
        requests: WARMUP,
        concurrency: 8,
        object: (i) => ({ key: putKey('warmup', 0, i), body: paddedBody(`warmup-${i}`, params.body) }),
      });
      failOnErrors(warm.errors, servers[name]);
    }
    await measuredFlush(servers.during as Service, 'during');
    quietDisk(); // that flush's unsynced writes (git objects, the DVC remote) are written back now, not in round 1
    for (let round = 1; round <= params.rounds; round++) {
      const order = PUT_TARGETS.map((_, i) => PUT_TARGETS[(i + round - 1) % PUT_TARGETS.length]);
      for (const name of order) {
        quietDisk(); // what the target before left unsynced (s3rver fsyncs nothing) is not this one's to write back
        const result =
          name === 'during'
            ? await duringFlushRound(name, servers.during as Service, putters.during, round, {
                ...plan,
                batch: params.batch,
              })
            : await plainRound(name, servers[name], putters[name], round, plan);
        results.push(result);
        logRound(result);
      }
      for (const name of order.filter((n) => n !== 'during')) {
        quietDisk();
        const result = await plainRound(name, servers[name], putters[name], round, single);
        results.push(result);
        logRound(result);
      }
    }
  } finally {
    for (const putter of Object.values(putters)) putter.close();
    for (const server of Object.values(servers)) await server.kill();
  }
  return results;
}

function logRound(r: RoundResult) {
  const s = r.summary;
  const extra = r.flush
    ? ` | flush ${int(r.flush.durationMs)} ms (${r.flush.added} added), ${r.flush.inWindow}/${r.flush.sent} PUTs inside it`
    : '';
  log(
    `round ${r.round} ${r.target.padEnd(7)} ×${r.concurrency} ${int(s.perSecond)} PUT/s p50 ${ms(s.p50)} p99 ${ms(s.p99)} ms${extra} (load ${loadAverage()})`,
  );
}

/**
 * Writes every dirty page back (sync(1)), untimed, before a timed flush, dvc job or PUT round: the files the job
 * before wrote without fsync (the dvc CLI's workspace, cache and remote: hundreds of thousands of files after its
 * first sync; s3rver's objects) are otherwise written back during the next job, whose own fsyncs then wait for them
 * (ext4 commits its journal with the dirty data it orders; a syncfs(2), as this service's small PUTs use, writes all
 * of it back). Seen in bench/results/2026-12-03.md: the service's first 100-change flush, right after the dvc CLI's
 * first sync, took 1,184 ms, the next ones 84-134 ms; 200,000 small files written just before a restart reproduced it
 * (2.4 s, then 0.13 s once sync(1) had run first). In runs 41–42 (2026-12-05), the PUT rounds of this service, right
 * after s3rver's, each had one PUT of 61–89 ms (9–36 ms in runs 39–40, before the syncfs).
 */
function quietDisk(): void {
  execFileSync('sync');
}

/** Both datasets must list the same files with the same bytes: same `.dir` md5, size and file count. */
async function agree(when: string, service: Service, dvc: DvcCliJob): Promise<Agreement> {
  const ours = dvcOutput(embeddedDvcFile(service));
  const theirs = dvcOutput(await dvc.pushedDvcFile());
  const same = ours.md5 === theirs.md5 && ours.size === theirs.size && ours.nfiles === theirs.nfiles;
  log(`${when}: service ${ours.md5} (${ours.nfiles} files), dvc ${theirs.md5} (${theirs.nfiles} files)`);
  return { when, service: ours, dvc: theirs, same };
}

async function syncSection(dvc: DvcCliJob): Promise<SideBySide['sync']> {
  const settings = { DVC_DATASET_PATH: DIRECTORY_DATASET };
  const small = await startService(settings);
  let big = await startService(settings);
  const smallPutter = new S3Putter(small, 16, 'presigned');
  let bigPutter = new S3Putter(big, 16, 'presigned');
  const object = (version: number) => (i: number) => ({ key: datasetKey(i), body: datasetBody(i, version) });
  const agreements: Agreement[] = [];
  try {
    await putObjects(small, smallPutter, params.small, object(0));
    await measuredFlush(small, 'small dataset, first flush');

    const fillMs = await putObjects(big, bigPutter, params.objects, object(0));
    log(`${int(params.objects)} objects PUT in ${int(fillMs)} ms; first flush… (load ${loadAverage()})`);
    quietDisk();
    const first = await measuredFlush(big, 'first sync');
    log(`service first sync: ${int(first.wallMs)} ms (${first.uploadedObjects} uploaded) (load ${loadAverage()})`);

    const writing = performance.now();
    dvc.writeFiles(
      Array.from({ length: params.objects }, (_, i) => ({ relpath: datasetKey(i), body: datasetBody(i, 0) })),
    );
    const dvcWriteMs = performance.now() - writing;
    quietDisk();
    const dvcFirst = await dvc.addPushCommitPush('first sync');
    log(`dvc CLI first sync: ${int(dvcFirst.totalMs)} ms (load ${loadAverage()})`);
    agreements.push(await agree('first sync', big, dvc));

    await delay(params.settleMs);
    const rssAfterFirst = residentBytes(big.pid);
    bigPutter.close();
    await big.kill();
    big = await startService(settings, { previous: big });
    bigPutter = new S3Putter(big, 16, 'presigned');
    const restartMs = big.readyMs;
    log(`idle RSS ${int(rssAfterFirst / 2 ** 20)} MiB; restart to healthy ${int(restartMs)} ms`);
    await delay(params.settleMs);
    const rssAfterRestart = residentBytes(big.pid);

    const incremental: MeasuredFlush[] = [];
    const incrementalSmall: MeasuredFlush[] = [];
    const dvcIncremental: DvcJobTimes[] = [];
    for (let repeat = 1; repeat <= params.repeats; repeat++) {
      // `changes` updates of existing objects spread over the whole key range, the same on all three.
      const changed = (size: number) => spreadChanges(size, params.changes, repeat);
      const bigChanged = changed(params.objects);
      const smallChanged = changed(params.small);
      const update = (indexes: number[]) => (n: number) => object(repeat)(indexes[n]);
      await putObjects(big, bigPutter, bigChanged.length, update(bigChanged));
      quietDisk();
      incremental.push(await measuredFlush(big, `${params.changes} changes`));
      await putObjects(small, smallPutter, smallChanged.length, update(smallChanged));
      quietDisk();
      incrementalSmall.push(await measuredFlush(small, `${params.changes} changes, small dataset`));
      let line = `repeat ${repeat}: service ${int(incremental.at(-1)!.wallMs)} ms, on ${int(params.small)} files ${int(incrementalSmall.at(-1)!.wallMs)} ms`;
      if (repeat <= params.dvcRepeats) {
        dvc.writeFiles(bigChanged.map((i) => ({ relpath: datasetKey(i), body: datasetBody(i, repeat) })));
        quietDisk();
        dvcIncremental.push(await dvc.addPushCommitPush(`${params.changes} changes`));
        line += `, dvc CLI ${int(dvcIncremental.at(-1)!.totalMs)} ms`;
        agreements.push(await agree(`${params.changes} changes, repeat ${repeat}`, big, dvc));
      }
      log(`${line} (load ${loadAverage()})`);
    }
    const dirCost = { big: dirObjectCost(big), small: dirObjectCost(small) };
    log(
      `.dir alone: ${int(dirCost.big.bytes)} bytes, md5 ${ms(dirCost.big.hashMs)} + durable write ${ms(dirCost.big.durableWriteMs)} ms; on ${int(params.small)} files ${int(dirCost.small.bytes)} bytes, ${ms(dirCost.small.hashMs)} + ${ms(dirCost.small.durableWriteMs)} ms`,
    );
    return {
      fillMs,
      first,
      dvcWriteMs,
      dvcFirst,
      rssAfterFirst,
      restartMs,
      rssAfterRestart,
      incremental,
      incrementalSmall,
      dirCost,
      dvcIncremental,
      agreements,
    };
  } finally {
    smallPutter.close();
    bigPutter.close();
    await small.kill();
    await big.kill();
  }
}

async function main() {
  const info = new RunInfo();
  const dvc = await DvcCliJob.create(DIRECTORY_DATASET);
  const versions = {
    node: process.version,
    s3rver: s3rverVersion(),
    dvc: await dvc.version(),
    git: execFileSync('git', ['--version'], { encoding: 'utf8' }).trim(),
  };
  log(`load average ${info.loadBefore}; ${JSON.stringify(params)}; ${JSON.stringify(versions)}`);
  const put = await putSection();
  const sync = await syncSection(dvc);
  const projects = await measureProjectsMemory({
    projects: params.projects,
    objectsEach: params.projectObjects,
    settleMs: params.settleMs,
  });
  log(
    `${params.projects} projects × ${int(params.projectObjects)}: idle RSS ${int(projects.idle.rss / 2 ** 20)} MiB, restart ${int(projects.restartMs)} ms`,
  );
  info.finish();
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const day = info.startedAt.toISOString().slice(0, 10);
  const result: SideBySide = { params, info, command, versions, put, sync, projects };
  const file = writeResult(outName(QUICK ? `${day}-quick` : day), report(result));
  log(`wrote ${file}; removing the temp folders`);
  removeTempDirs();
  if (sync.agreements.some((a) => !a.same)) {
    process.stderr.write('the service and the dvc CLI produced different datasets: see the results file\n');
    process.exit(1);
  }
}

runBench(main);
