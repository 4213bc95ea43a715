import { type LatencySummary, paddedBody, runLoad, type Sample, summarize } from './load.js';
import { flush, processCpuMs, type Service, type Spawned, syncStatus } from './processes.js';
import type { S3Putter } from './s3-put.js';

/** One round of PUTs against one server: how many, how many at once, how big. */
export interface PutPlan {
  requests: number;
  concurrency: number;
  body: number;
}

export interface RoundResult {
  target: string;
  round: number;
  concurrency: number;
  summary: LatencySummary;
  /** CPU time per request: of the server process, and of this (client) process. */
  serverCpuMs: number;
  clientCpuMs: number;
  /** Rounds during a flush only. */
  flush?: { durationMs: number; added: number; inWindow: number; sent: number; overlapMs: number; loadMs: number };
}

/** One folder level, like Label Studio's `<prefix>/<annotation id>` keys; a new key per PUT. */
export const putKey = (what: string, round: number, i: number) => `ls/${what}-${round}-${i}.json`;

const clientCpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

export function failOnErrors(errors: string[], server: Spawned): void {
  if (errors.length > 0)
    throw new Error(`PUTs failed:\n${errors.join('\n')}\n--- server log ---\n${server.logs().slice(-4000)}`);
}

/** `plan.requests` PUTs of new keys with nothing else running on the server. */
export async function plainRound(
  target: string,
  server: Spawned,
  putter: S3Putter,
  round: number,
  plan: PutPlan,
): Promise<RoundResult> {
  const server0 = processCpuMs(server.pid);
  const client0 = clientCpuMs();
  const tag = `${target.replace(/\W+/g, '')}-c${plan.concurrency}`;
  const result = await runLoad(putter, {
    requests: plan.requests,
    concurrency: plan.concurrency,
    object: (i) => ({ key: putKey(tag, round, i), body: paddedBody(`${tag}-${round}-${i}`, plan.body) }),
  });
  failOnErrors(result.errors, server);
  return {
    target,
    round,
    concurrency: plan.concurrency,
    summary: summarize(result.samples, result.wallMs),
    serverCpuMs: (processCpuMs(server.pid) - server0) / plan.requests,
    clientCpuMs: (clientCpuMs() - client0) / plan.requests,
  };
}

/**
 * Tops the service up to `batch` pending objects (untimed), starts a flush (POST /_admin/sync, not awaited) and
 * runs the round's PUTs right away. Only PUTs sent after the flush started and answered before it ended count;
 * throughput is those PUTs over the overlap.
 */
export async function duringFlushRound(
  target: string,
  service: Service,
  putter: S3Putter,
  round: number,
  plan: PutPlan & { batch: number },
): Promise<RoundResult> {
  // The previous round's PUTs are pending already: top up to exactly `batch`, so every round flushes as much.
  const fill = await runLoad(putter, {
    requests: Math.max(0, plan.batch - (await syncStatus(service)).pending),
    concurrency: 16,
    object: (i) => ({ key: putKey('batch', round, i), body: paddedBody(`batch-${round}-${i}`, plan.body) }),
  });
  failOnErrors(fill.errors, service);
  const before = await syncStatus(service);
  if (before.running || before.pending !== plan.batch)
    throw new Error(`expected ${plan.batch} pending changes and no flush, got ${JSON.stringify(before)}`);

  const server0 = processCpuMs(service.pid);
  const client0 = clientCpuMs();
  const flushStart = performance.now();
  const flushing = flush(service).then((answer) => ({ answer, end: performance.now() }));
  const load = await runLoad(putter, {
    requests: plan.requests,
    concurrency: plan.concurrency,
    object: (i) => ({ key: putKey('during', round, i), body: paddedBody(`during-${round}-${i}`, plan.body) }),
  });
  const loadEnd = performance.now();
  const serverCpuMs = (processCpuMs(service.pid) - server0) / plan.requests;
  const clientCpu = (clientCpuMs() - client0) / plan.requests;
  failOnErrors(load.errors, service);
  const { answer, end: flushEnd } = await flushing;
  const lastFlush = answer.status.lastFlush!;
  const inWindow = load.samples.filter((s: Sample) => s.start >= flushStart && s.end <= flushEnd);
  const loadStart = load.samples.length ? Math.min(...load.samples.map((s) => s.start)) : flushStart;
  const overlapMs = Math.min(flushEnd, loadEnd) - loadStart;
  return {
    target,
    round,
    concurrency: plan.concurrency,
    summary: summarize(inWindow, overlapMs),
    serverCpuMs,
    clientCpuMs: clientCpu,
    flush: {
      durationMs: lastFlush.durationMs,
      added: lastFlush.added,
      inWindow: inWindow.length,
      sent: plan.requests,
      overlapMs,
      loadMs: loadEnd - loadStart,
    },
  };
}
