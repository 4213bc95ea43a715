/**
 * Memory and startup of one service holding many projects after their first sync (the memory target of
 * bench/README.md: "10 projects × 10,000 objects"): `--projects` projects in a PROJECTS_FILE, `--objects` objects
 * PUT into each (directory dataset), one `POST /_admin/sync` (every project's first sync), then idle RSS, restart
 * to a healthy `/_admin/health`, and idle RSS after the restart. `npm run bench` runs the same measurement (`lib/projects-memory.ts`).
 *
 *   npm run build && npx tsc -p bench/tsconfig.json && node bench/.out/projects-memory.js [--projects=10]
 *     [--objects=10000] [--settle-ms=10000] [--main=<another build's dist/main.js>] [--out=<name>]
 *
 * Writes bench/results/projects-memory.md (or --out). Not a test: nothing passes or fails on a number.
 */
import { option, outName, textOption } from './lib/cli-options.js';
import { MEMORY_HEADER, memoryRow } from './lib/memory-sample.js';
import { measureProjectsMemory } from './lib/projects-memory.js';
import { removeTempDirs, runBench } from './lib/processes.js';
import { int, log, RunInfo, writeResult } from './lib/report.js';

const PROJECTS = option('projects', 10);
const OBJECTS = option('objects', 10_000);
const SETTLE_MS = option('settle-ms', 10_000);

async function main() {
  const info = new RunInfo();
  log(`load average ${info.loadBefore}; ${PROJECTS} projects × ${int(OBJECTS)} objects`);
  const main = textOption('main');
  const m = await measureProjectsMemory({ projects: PROJECTS, objectsEach: OBJECTS, settleMs: SETTLE_MS, main });
  info.finish();
  const mib = (bytes: number) => int(bytes / 2 ** 20);
  const command = `node bench/.out/projects-memory.js ${process.argv.slice(2).join(' ')}`.trim();
  const markdown = [
    `# ${PROJECTS} projects × ${int(OBJECTS)} objects in one service`,
    '',
    `One service, ${PROJECTS} projects in a PROJECTS_FILE (each its own bucket, keys, embedded repository and DVC remote, ` +
      `directory dataset \`data/annotations\`), ${int(OBJECTS)} objects PUT into each (${int(m.fillMs)} ms in all), ` +
      `then one \`POST /_admin/sync\`: the first sync of every project, \`SYNC_CONCURRENCY\` (4) at a time.`,
    '',
    '| | | target |',
    '|---|---:|---:|',
    `| first syncs of all ${PROJECTS} projects | ${int(m.firstSyncMs)} ms | |`,
    `| idle RSS ${SETTLE_MS / 1000} s after them | ${mib(m.idle.rss)} MiB | ≤ 250 MB |`,
    `| restart (SIGKILL, then a new process) to a 200 from /_admin/health | ${int(m.restartMs)} ms | ≤ 3 s |`,
    `| idle RSS ${SETTLE_MS / 1000} s after the restart | ${mib(m.afterRestart.rss)} MiB | |`,
    '',
    MEMORY_HEADER,
    memoryRow('idle after the first syncs', m.idle),
    memoryRow('idle after the restart', m.afterRestart),
    '',
    '## Machine',
    '',
    info.markdown(command),
    '',
  ].join('\n');
  const file = writeResult(outName('projects-memory'), markdown);
  log(`wrote ${file}`);
  removeTempDirs();
}

runBench(main);
