/**
 * What one small flush costs (many projects per service: 50 projects flush 50 small batches where one project flushes one
 * big one): `--projects` projects in a PROJECTS_FILE, `--per` PUTs into each bucket, then `POST /_admin/sync?bucket=`
 * for each project one after the other, with nothing else running. Per flush: wall time, and the CPU of the service
 * (user + system of every thread) and of the processes it spawned and waited for (`sync -f`), from /proc/<pid>/stat.
 * With `--a=<another build's dist/main.js>` that build runs next to this one, rounds interleaved (A/B).
 *
 *   npm run build && npx tsc -p bench/tsconfig.json && node bench/.out/small-flushes.js [--projects=50] [--per=40]
 *     [--rounds=3] [--a=<dist/main.js>] [--out=small-flushes]
 *
 * Writes bench/results/<out>.md. Not a test: nothing here passes or fails on a number.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { paddedBody, runLoad } from './lib/load.js';
import { httpCall, removeTempDirs, repoRoot, runBench, type Service, startService } from './lib/processes.js';
import { projectsFile } from './lib/projects-file.js';
import { int, log, median, ms, RunInfo, writeResult } from './lib/report.js';
import { S3Putter } from './lib/s3-put.js';
import { option, outName, textOption } from './lib/cli-options.js';

const PROJECTS = option('projects', 50);
const PER = option('per', 40);
const ROUNDS = option('rounds', 3);
const BODY = 2048;
const CONCURRENCY = 8;
const buildA = textOption('a');

/** utime + stime of the process, and of its waited-for children (fields 14–17 of /proc/<pid>/stat), in ms. */
function cpuMs(pid: number): { own: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    own: (Number(fields[11]) + Number(fields[12])) * 10,
    children: (Number(fields[13]) + Number(fields[14])) * 10,
  };
}

interface Build {
  name: string;
  main?: string;
  service?: Service;
  putters: S3Putter[];
  rounds: Array<{ wallMs: number; ownMs: number; childrenMs: number }>;
}

async function putEach(build: Build, tag: string) {
  const result = await runLoad(build.putters[0], {
    requests: PROJECTS * PER,
    concurrency: CONCURRENCY,
    putterFor: (i) => build.putters[i % PROJECTS],
    object: (i) => ({ key: `ls/${tag}-${i}.json`, body: paddedBody(`${tag}-${i}`, BODY) }),
  });
  if (result.errors.length) throw new Error(`PUTs failed: ${result.errors.join('\n')}`);
}

async function flushEach(build: Build, buckets: string[]) {
  const service = build.service!;
  const before = cpuMs(service.pid);
  const started = performance.now();
  for (const bucket of buckets) {
    const answer = await httpCall('POST', `${service.url}/_admin/sync?bucket=${bucket}`);
    const body = JSON.parse(answer.text) as {
      projects: Array<{ outcome: string; lastFlush: { commit: string | null } }>;
    };
    const project = body.projects[0];
    if (answer.status !== 200 || project?.outcome !== 'flushed' || !project.lastFlush.commit)
      throw new Error(`flush of ${bucket} on ${build.name}: ${answer.status} ${answer.text}`);
  }
  const after = cpuMs(service.pid);
  return {
    wallMs: (performance.now() - started) / buckets.length,
    ownMs: (after.own - before.own) / buckets.length,
    childrenMs: (after.children - before.children) / buckets.length,
  };
}

async function main() {
  const info = new RunInfo();
  const builds: Build[] = [
    ...(buildA ? [{ name: 'A (--a)', main: buildA, putters: [], rounds: [] }] : []),
    {
      name: buildA ? 'B (this build)' : 'this build',
      main: join(repoRoot, 'dist', 'main.js'),
      putters: [],
      rounds: [],
    },
  ];
  const { file, projects } = projectsFile(PROJECTS, 'data/annotations');
  const buckets = projects.map((p) => p.bucket);
  try {
    for (const build of builds) {
      build.service = await startService({ PROJECTS_FILE: file }, { main: build.main });
      build.putters = projects.map((p) => new S3Putter({ ...p, url: build.service!.url, region: 'us-east-1' }, 8));
      await putEach(build, 'warmup');
      await flushEach(build, buckets); // every project's first commit
    }
    for (let round = 1; round <= ROUNDS; round++) {
      for (const build of round % 2 === 1 ? builds : [...builds].reverse()) {
        await putEach(build, `round-${round}`);
        const result = await flushEach(build, buckets);
        build.rounds.push(result);
        log(
          `round ${round} ${build.name}: ${ms(result.wallMs)} ms a flush, CPU ${ms(result.ownMs)} ms (service) + ${ms(result.childrenMs)} ms (children)`,
        );
      }
    }
  } finally {
    for (const build of builds) {
      for (const putter of build.putters) putter.close();
      await build.service?.kill();
    }
  }
  info.finish();
  const row = (b: Build) =>
    `| ${b.name} | ${ms(median(b.rounds.map((r) => r.wallMs)))} | ${ms(median(b.rounds.map((r) => r.ownMs)))} | ${ms(median(b.rounds.map((r) => r.childrenMs)))} | ${b.rounds.map((r) => `${ms(r.wallMs, 0)} / ${ms(r.ownMs + r.childrenMs, 0)}`).join(', ')} |`;
  const command = `node bench/.out/small-flushes.js ${process.argv.slice(2).join(' ')}`.trim();
  const out = writeResult(
    outName('small-flushes'),
    `# Small flushes, one after the other

${PROJECTS} projects (PROJECTS_FILE, embedded repository and DVC remote each, \`data/annotations\` directory layout);
each round: ${int(PER)} PUTs of ${BODY}-byte bodies into every bucket (${CONCURRENCY} clients), then
\`POST /_admin/sync?bucket=\` for each project in turn, nothing else running. Medians over ${ROUNDS} rounds${buildA ? ', the builds interleaved' : ''}.

| build | wall ms a flush | service CPU ms a flush | children CPU ms a flush (\`sync -f\`) | each round: wall / total CPU ms |
|---|---:|---:|---:|---|
${builds.map(row).join('\n')}

${buildA ? `A: \`${buildA}\`. ` : ''}CPU from /proc/<pid>/stat (user + system of every thread; children: those the service waited for).

## Machine

${info.markdown(command)}
`,
  );
  log(`wrote ${out}`);
  removeTempDirs();
}

runBench(main);
