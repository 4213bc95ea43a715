/**
 * PUT throughput and latency of small objects, against (interleaved, in one run):
 *   null    — bench/baseline-server.ts answering 200 without touching the disk: the client's own ceiling;
 *   fsync   — the minimal durable server of docs/toolchain.md (temp file + fsync + rename);
 *   service — `node dist/main.js` on a fresh DATA_DIR, no flush during the round;
 *   during  — another `node dist/main.js` while it flushes a big pending batch (invariant 7: the request path never
 *             waits for git or DVC, so these latencies should stay close to `service`).
 * Each round runs every target once (the order rotates between rounds), so that the machine's background load
 * falls on all of them alike.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json && node bench/.out/put-throughput.js [--rounds=3] [--requests=2000]
 *     [--concurrency=8] [--body=2048] [--batch=6000]
 *
 * Writes bench/results/put-throughput.md (or --out=<name>: bench/results/<name>.md). Not a test: nothing here passes or fails on a number.
 */
import { type LatencySummary, paddedBody, runLoad, type Sample, summarize } from './lib/load.js';
import {
  flush,
  processCpuMs,
  removeTempDirs,
  type Service,
  type Spawned,
  startBaseline,
  startService,
  syncStatus,
} from './lib/processes.js';
import { int, loadAverage, log, median, ms, RunInfo, writeResult } from './lib/report.js';
import { S3Putter, type S3Target } from './lib/s3-put.js';
import { option, outName } from './lib/cli-options.js';

const ROUNDS = option('rounds', 3);
const REQUESTS = option('requests', 2000);
const CONCURRENCY = option('concurrency', 8);
const BODY = option('body', 2048);
/** Objects written (not timed) before each `during` round; their flush must outlast the round's PUTs. */
const BATCH = option('batch', 6000);
const WARMUP = 300;
const DATASET = 'data/annotations'; // directory layout: any body is a dataset file

/** One folder level, like Label Studio's `<prefix>/<annotation id>` keys. */
const key = (what: string, round: number, i: number) => `ls/${what}-${round}-${i}.json`;

type TargetName = 'null' | 'fsync' | 'service' | 'during';
const ORDER: TargetName[] = ['null', 'fsync', 'service', 'during'];

interface RoundResult {
  target: TargetName;
  round: number;
  summary: LatencySummary;
  /** CPU time per request: of the server process, and of this (client) process. */
  serverCpuMs: number;
  clientCpuMs: number;
  /** `during` only. */
  flush?: { durationMs: number; added: number; inWindow: number; sent: number; overlapMs: number; loadMs: number };
}

const clientCpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

async function measured(server: Spawned, body: () => Promise<{ summary: LatencySummary; sent: number }>) {
  const server0 = processCpuMs(server.pid);
  const client0 = clientCpuMs();
  const { summary, sent } = await body();
  return {
    summary,
    serverCpuMs: (processCpuMs(server.pid) - server0) / sent,
    clientCpuMs: (clientCpuMs() - client0) / sent,
  };
}

function failOnErrors(errors: string[], server: Spawned) {
  if (errors.length > 0)
    throw new Error(`PUTs failed:\n${errors.join('\n')}\n--- server log ---\n${server.logs().slice(-4000)}`);
}

async function plainRound(
  target: TargetName,
  server: Spawned & S3Target,
  putter: S3Putter,
  round: number,
): Promise<RoundResult> {
  const m = await measured(server, async () => {
    const result = await runLoad(putter, {
      requests: REQUESTS,
      concurrency: CONCURRENCY,
      object: (i) => ({ key: key(target, round, i), body: paddedBody(`${target}-${round}-${i}`, BODY) }),
    });
    failOnErrors(result.errors, server);
    return { summary: summarize(result.samples, result.wallMs), sent: REQUESTS };
  });
  return { target, round, ...m };
}

/**
 * Writes BATCH objects (untimed), starts a flush (POST /_admin/sync, not awaited), and runs the round's PUTs
 * right away. Only PUTs sent after the flush started and answered before it ended count.
 */
async function duringRound(service: Service, putter: S3Putter, round: number): Promise<RoundResult> {
  // The previous round's PUTs are pending already: top up to exactly BATCH, so every round flushes as much.
  const fill = await runLoad(putter, {
    requests: Math.max(0, BATCH - (await syncStatus(service)).pending),
    concurrency: 16,
    object: (i) => ({ key: key('batch', round, i), body: paddedBody(`batch-${round}-${i}`, BODY) }),
  });
  failOnErrors(fill.errors, service);
  const before = await syncStatus(service);
  if (before.running || before.pending !== BATCH)
    throw new Error(`expected ${BATCH} pending changes and no flush, got ${JSON.stringify(before)}`);

  const server0 = processCpuMs(service.pid);
  const client0 = clientCpuMs();
  const flushStart = performance.now();
  const flushing = flush(service).then((answer) => ({ answer, end: performance.now() }));
  const load = await runLoad(putter, {
    requests: REQUESTS,
    concurrency: CONCURRENCY,
    object: (i) => ({ key: key('during', round, i), body: paddedBody(`during-${round}-${i}`, BODY) }),
  });
  const loadEnd = performance.now();
  const serverCpuMs = (processCpuMs(service.pid) - server0) / REQUESTS;
  const clientCpu = (clientCpuMs() - client0) / REQUESTS;
  failOnErrors(load.errors, service);
  const { answer, end: flushEnd } = await flushing;
  const lastFlush = answer.status.lastFlush!;
  const inWindow = load.samples.filter((s: Sample) => s.start >= flushStart && s.end <= flushEnd);
  const loadStart = load.samples.length ? Math.min(...load.samples.map((s) => s.start)) : flushStart;
  const overlapMs = Math.min(flushEnd, loadEnd) - loadStart;
  return {
    target: 'during',
    round,
    summary: summarize(inWindow, overlapMs),
    serverCpuMs,
    clientCpuMs: clientCpu,
    flush: {
      durationMs: lastFlush.durationMs,
      added: lastFlush.added,
      inWindow: inWindow.length,
      sent: REQUESTS,
      overlapMs,
      loadMs: loadEnd - loadStart,
    },
  };
}

async function main() {
  const info = new RunInfo();
  log(
    `load average ${info.loadBefore}; ${ROUNDS} rounds × ${REQUESTS} PUTs of ${BODY} B, ${CONCURRENCY} clients; batch ${BATCH}`,
  );
  const nullServer = await startBaseline('null');
  const fsyncServer = await startBaseline('fsync');
  const service = await startService({ DVC_DATASET_PATH: DATASET });
  const flushed = await startService({ DVC_DATASET_PATH: DATASET });
  const servers = { null: nullServer, fsync: fsyncServer, service, during: flushed };
  const putters = Object.fromEntries(
    Object.entries(servers).map(([name, server]) => [name, new S3Putter(server, Math.max(CONCURRENCY, 16))]),
  ) as Record<TargetName, S3Putter>;
  const results: RoundResult[] = [];
  try {
    // Warm up every server and connection pool (JIT, sqlite pages), and give `during` its first commit, so that
    // each of its rounds is an ordinary incremental flush of BATCH new objects.
    for (const name of ORDER) {
      const warm = await runLoad(putters[name], {
        requests: WARMUP,
        concurrency: CONCURRENCY,
        object: (i) => ({ key: key('warmup', 0, i), body: paddedBody(`warmup-${i}`, BODY) }),
      });
      failOnErrors(warm.errors, servers[name]);
    }
    await flush(flushed);

    for (let round = 1; round <= ROUNDS; round++) {
      const order = ORDER.map((_, i) => ORDER[(i + round - 1) % ORDER.length]);
      for (const name of order) {
        const result =
          name === 'during'
            ? await duringRound(flushed, putters.during, round)
            : await plainRound(name, servers[name], putters[name], round);
        results.push(result);
        const s = result.summary;
        const extra = result.flush
          ? ` | flush ${result.flush.durationMs} ms (${result.flush.added} added), ${result.flush.inWindow}/${result.flush.sent} PUTs inside it`
          : '';
        log(
          `round ${round} ${name.padEnd(7)} ${int(s.perSecond)} PUT/s p50 ${ms(s.p50)} p95 ${ms(s.p95)} p99 ${ms(s.p99)} ms${extra} (load ${loadAverage()})`,
        );
      }
    }
  } finally {
    for (const putter of Object.values(putters)) putter.close();
    for (const server of Object.values(servers)) await server.kill();
  }
  info.finish();
  const file = writeResult(outName('put-throughput'), report(info, results));
  log(`wrote ${file}; removing the temp folders`);
  const removing = performance.now();
  removeTempDirs();
  log(`removed in ${int(performance.now() - removing)} ms`);
}

/** Ratios between targets of the same round (they ran within seconds of each other), then their median. */
function ratios(results: RoundResult[]): string[] {
  const pair = (a: TargetName, b: TargetName, pick: (s: LatencySummary) => number) => {
    const values: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const x = results.find((r) => r.round === round && r.target === a);
      const y = results.find((r) => r.round === round && r.target === b);
      if (x && y) values.push(pick(x.summary) / pick(y.summary));
    }
    return `${median(values).toFixed(2)}× (${values.map((v) => v.toFixed(2)).join(', ')})`;
  };
  return [
    '| ratio | PUT/s | p50 | p99 |',
    '|---|---:|---:|---:|',
    `| service ÷ fsync baseline | ${pair('service', 'fsync', (s) => s.perSecond)} | ${pair('service', 'fsync', (s) => s.p50)} | ${pair('service', 'fsync', (s) => s.p99)} |`,
    `| during a flush ÷ service idle | ${pair('during', 'service', (s) => s.perSecond)} | ${pair('during', 'service', (s) => s.p50)} | ${pair('during', 'service', (s) => s.p99)} |`,
    `| fsync baseline ÷ null server | ${pair('fsync', 'null', (s) => s.perSecond)} | ${pair('fsync', 'null', (s) => s.p50)} | ${pair('fsync', 'null', (s) => s.p99)} |`,
  ];
}

function report(info: RunInfo, results: RoundResult[]): string {
  const label: Record<TargetName, string> = {
    null: 'null server (client ceiling)',
    fsync: 'node:http fsync + rename baseline',
    service: 'service, idle sync',
    during: 'service, during a flush',
  };
  const row = (r: RoundResult) =>
    `| ${r.round} | ${label[r.target]} | ${int(r.summary.perSecond)} | ${ms(r.summary.p50)} | ${ms(r.summary.p95)} | ${ms(r.summary.p99)} | ${ms(r.summary.max)} | ${ms(r.serverCpuMs, 2)} | ${ms(r.clientCpuMs, 2)} |`;
  const medians = ORDER.map((target) => {
    const mine = results.filter((r) => r.target === target);
    const med = (pick: (r: RoundResult) => number) => median(mine.map(pick));
    return `| ${label[target]} | ${int(med((r) => r.summary.perSecond))} | ${ms(med((r) => r.summary.p50))} | ${ms(med((r) => r.summary.p95))} | ${ms(med((r) => r.summary.p99))} | ${ms(
      med((r) => r.serverCpuMs),
      2,
    )} | ${ms(
      med((r) => r.clientCpuMs),
      2,
    )} |`;
  });
  const flushes = results
    .filter((r) => r.flush)
    .map(
      (r) =>
        `| ${r.round} | ${int(r.flush!.added)} | ${int(r.flush!.durationMs)} | ${int(r.flush!.loadMs)} | ${int(r.flush!.overlapMs)} | ${r.flush!.inWindow} / ${r.flush!.sent} |`,
    );
  const command = process.argv.slice(2).length
    ? `node bench/.out/put-throughput.js ${process.argv.slice(2).join(' ')}`
    : 'node bench/.out/put-throughput.js';
  return `# PUT throughput and latency

${ROUNDS} interleaved rounds (target order rotates each round); each round: ${int(REQUESTS)} PUTs of ${BODY}-byte JSON bodies,
${CONCURRENCY} concurrent clients (closed loop, keep-alive, SigV4-signed by bench/lib/s3-put.ts), new key per PUT.
The service runs with \`DVC_DATASET_PATH=${DATASET}\`, embedded git repository and DVC remote, \`LOG_LEVEL=warn\`,
no scheduled flush. "During a flush": ${int(BATCH)} objects are written first (untimed), then \`POST /_admin/sync\` starts
and the round's PUTs run at once; only PUTs sent after the flush started and answered before it ended are counted
(throughput = those PUTs / the overlap time).

## Medians over the rounds

| target | PUT/s | p50 ms | p95 ms | p99 ms | server CPU ms per PUT¹ | client CPU ms per PUT |
|---|---:|---:|---:|---:|---:|---:|
${medians.join('\n')}

¹ CPU time (user + system, /proc/<pid>/stat) of the server process during the round, divided by the PUTs sent;
during a flush it includes the flush's own work. Client CPU: this process (signing, HTTP), same division.

## Same-round ratios (median over the rounds)

${ratios(results).join('\n')}

## Every round

| round | target | PUT/s | p50 ms | p95 ms | p99 ms | max ms | server CPU ms per PUT¹ | client CPU ms per PUT |
|---:|---|---:|---:|---:|---:|---:|---:|---:|
${results.map(row).join('\n')}

## The flushes behind "during a flush"

| round | objects in the flush | flush durationMs | PUT load ms | overlap ms | PUTs inside the flush |
|---:|---:|---:|---:|---:|---:|
${flushes.join('\n')}

## Machine

${info.markdown(command)}

How to read it: see bench/README.md.
`;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
