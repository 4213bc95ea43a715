import { percentile } from './report.js';
import { S3Putter, sha256Hex } from './s3-put.js';

export interface Sample {
  /** performance.now() when the request was sent and when its response ended. */
  start: number;
  end: number;
}

export interface LoadResult {
  samples: Sample[];
  wallMs: number;
  /** First few non-200 answers (any one fails the run: a benchmark of errors measures nothing). */
  errors: string[];
}

export interface LoadPlan {
  requests: number;
  concurrency: number;
  /** Object i's key and body (built before its request is timed). */
  object: (i: number) => { key: string; body: Buffer };
  /** Who sends request i (another bucket, another key); default: the putter given to runLoad. */
  putterFor?: (i: number) => S3Putter;
  /** performance.now() after which no client sends another request (a load of a given length, not count). */
  until?: number;
}

/**
 * `concurrency` clients, each sending its next PUT as soon as the previous one is answered (closed loop, one
 * keep-alive connection each), until `requests` have been sent. The body (and its sha256, for a header
 * signature) is built before the request's clock starts; the signature itself is computed inside it (a few
 * microseconds, the same for every target).
 */
export async function runLoad(putter: S3Putter, plan: LoadPlan): Promise<LoadResult> {
  const samples: Sample[] = [];
  const errors: string[] = [];
  let next = 0;
  const client = async () => {
    for (;;) {
      const i = next++;
      if (i >= plan.requests || (plan.until !== undefined && performance.now() >= plan.until)) return;
      const { key, body } = plan.object(i);
      const hash = putter.signing === 'header' ? sha256Hex(body) : undefined;
      const start = performance.now();
      const result = await (plan.putterFor?.(i) ?? putter).put(key, body, hash);
      const end = performance.now();
      if (result.status !== 200) {
        if (errors.length < 5) errors.push(`PUT ${key}: ${result.status} ${result.body.slice(0, 300)}`);
      } else {
        samples.push({ start, end });
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: plan.concurrency }, client));
  return { samples, wallMs: performance.now() - started, errors };
}

export interface LatencySummary {
  count: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Latency percentiles of `samples`; throughput = count / wallMs. */
export function summarize(samples: Sample[], wallMs: number): LatencySummary {
  const latencies = samples.map((s) => s.end - s.start).sort((a, b) => a - b);
  return {
    count: latencies.length,
    perSecond: (latencies.length / wallMs) * 1000,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
  };
}

/** A JSON body of exactly `size` bytes (ASCII), distinct per `id` so that no two objects share a DVC hash. */
export function paddedBody(id: string, size: number): Buffer {
  const head = `{"id":"${id}","text":"`;
  const tail = '"}\n';
  const fill = Math.max(0, size - head.length - tail.length);
  return Buffer.from(head + 'x'.repeat(fill) + tail);
}
