/**
 * Experiment: the essential server with each body kept in its object row (BASELINE_BODY=inline: durable with the
 * WAL's shared fdatasync, no file, no fsync of its own) against the same server writing files, beside the fsync
 * floor, interleaved rounds, presigned 2 KiB PUTs. Prints the rounds and the same-round ratios; results written by
 * hand to bench/results/put-path-11.md.
 *
 *   npx tsc -p bench/tsconfig.json && node bench/.out/essential-ab.js [rounds]
 */
import { type Spawned, processCpuMs, removeTempDirs, startBaseline } from './lib/processes.js';
import { paddedBody, runLoad, summarize } from './lib/load.js';
import { S3Putter, type S3Target } from './lib/s3-put.js';

type Name = 'fsync' | 'ess' | 'essi' | 'essf';
interface Sample {
  perSecond: number;
  p50: number;
  p99: number;
  cpu: number;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  const servers = {} as Record<Name, Spawned & S3Target>;
  servers.fsync = await startBaseline('fsync');
  servers.ess = await startBaseline('essential');
  process.env.BASELINE_BODY = 'inline';
  servers.essi = await startBaseline('essential');
  process.env.BASELINE_BODY = 'inline-file';
  servers.essf = await startBaseline('essential');
  delete process.env.BASELINE_BODY;
  const names = Object.keys(servers) as Name[];
  const putters = Object.fromEntries(names.map((t) => [t, new S3Putter(servers[t], 16, 'presigned')])) as Record<
    Name,
    S3Putter
  >;
  const body = (label: string) => paddedBody(label, 2048);
  for (const t of names) {
    await runLoad(putters[t], {
      requests: 500,
      concurrency: 8,
      object: (i) => ({ key: `ls/w-${i}.json`, body: body(`w${i}`) }),
    });
  }
  const results = new Map<string, Sample[]>();
  for (let r = 1; r <= rounds; r++) {
    for (const clients of [8, 1]) {
      for (const t of names.map((_, i) => names[(i + r) % names.length])) {
        const n = clients === 1 ? 800 : 3000;
        const cpu0 = processCpuMs(servers[t].pid);
        const out = await runLoad(putters[t], {
          requests: n,
          concurrency: clients,
          object: (i) => ({ key: `ls/${t}-${clients}-${r}-${i}.json`, body: body(`${r}-${i}`) }),
        });
        if (out.errors.length) throw new Error(out.errors.join('\n'));
        const s = summarize(out.samples, out.wallMs);
        const sample = {
          perSecond: s.perSecond,
          p50: s.p50,
          p99: s.p99,
          cpu: (processCpuMs(servers[t].pid) - cpu0) / n,
        };
        results.set(`${t}-${clients}`, [...(results.get(`${t}-${clients}`) ?? []), sample]);
        console.log(
          `| ${r} | ${clients} | ${t} | ${sample.perSecond.toFixed(0)} | ${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ${sample.cpu.toFixed(3)} |`,
        );
      }
    }
  }
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
  const ratio = (x: string, y: string, f: (s: Sample) => number) => {
    const a = results.get(x)!;
    const b = results.get(y)!;
    return median(a.map((s, i) => f(s) / f(b[i]))).toFixed(2);
  };
  for (const clients of [8, 1]) {
    for (const [x, y] of [
      ['essi', 'ess'],
      ['essf', 'ess'],
      ['essf', 'fsync'],
      ['ess', 'fsync'],
      ['essi', 'fsync'],
    ]) {
      const [a, b] = [`${x}-${clients}`, `${y}-${clients}`];
      console.log(
        `| ${clients} | ${x} ÷ ${y} | ${ratio(a, b, (s) => s.perSecond)}× | ${ratio(a, b, (s) => s.p50)}× | ${ratio(a, b, (s) => s.p99)}× | ${ratio(a, b, (s) => s.cpu)}× |`,
      );
    }
  }
  for (const putter of Object.values(putters)) putter.close();
  for (const server of Object.values(servers)) await server.kill();
  removeTempDirs();
}

void main();
