/**
 * The soak: `npm run soak -- --minutes 30`. Not a test and not in `npm test`: a long run that reports.
 *
 * The built service (`dist/main.js`) with a team repository on a real git server (`git http-backend`) and an S3
 * DVC remote (moto_server), each behind a fault proxy; Label-Studio-like traffic at a steady rate (PUT, DELETE,
 * GET, LIST on a pool of keys) with the scheduler flushing every 5 s; at random moments the service is SIGKILLed
 * and restarted, and one of the remotes fails for a while (503, SlowDown, a stall, a cut push or upload).
 * Every answer is checked against a record of what was acknowledged; at the end, storage, the branch and the
 * DVC remote (a fresh `git clone` + `dvc pull`, `dvc status -c`) are compared with it. Samples the service's
 * RSS, open file descriptors and temp files every 5 s. Writes bench/results/soak.md (`--out=<name>` to change).
 *
 * Options: --minutes N (5), --rate ops/s (20), --kill-every s (mean, 60), --outage-every s (mean, 45).
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { randomBytes, randomInt } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { readTree, removeTempRoots, tempRoot } from '../../test/dvc/dvc-repo.harness.js';
import {
  s3ErrorBody,
  startFaultProxy,
  type FaultProxy,
  type FaultRule,
} from '../../test/reliability/harness/fault-proxy.js';
import { git, startGitHttpServer } from '../../test/support/git-http-server.js';
import { startMotoServer } from '../../test/support/moto-server.js';
import { startService } from '../../test/support/service.js';
import { gitCloneAndDvcPull, s3ConfigLocal } from '../../test/sync/harness/pulled-dataset.js';
import { createDvcRepo, dvcConfigText } from '../../test/sync/harness/team-repo.js';
import { option, outName } from '../lib/cli-options.js';
import { int, log, RunInfo, writeResult } from '../lib/report.js';

const MINUTES = option('minutes', 5);
const RATE = option('rate', 20);
const KILL_EVERY_S = option('kill-every', 60);
const OUTAGE_EVERY_S = option('outage-every', 45);
const KEYS = 600;
const MAX_IN_FLIGHT = 8;
const DATASET = 'data/annotations';
const TOKEN = `soak-${randomBytes(8).toString('hex')}`;

type Value = string | null; // null: no object
interface KeyState {
  /** What the key holds if every acknowledged answer is the truth; more than one value after an unanswered write. */
  possible: Value[];
  busy: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Exponentially distributed wait with the given mean, at least `min` ms: random kills and outages. */
const randomWait = (meanMs: number, min: number) => Math.max(min, -Math.log(1 - Math.random()) * meanMs);

async function main(): Promise<void> {
  const info = new RunInfo();
  const root = tempRoot('soak');
  const gitServer = await startGitHttpServer({ root, username: 'sync-bot', password: TOKEN });
  const moto = await startMotoServer();
  const gitProxy = await startFaultProxy(Number(new URL(gitServer.url('x')).port));
  const s3Proxy = await startFaultProxy(Number(new URL(moto.endpoint).port));
  const bare = createDvcRepo(
    root,
    'soak',
    dvcConfigText(`s3://${moto.bucket}/soak`, { endpointurl: s3Proxy.endpoint }),
  );
  const service = await startService({
    env: {
      GIT_REPO_URL: `${gitProxy.endpoint}/soak.git`,
      GIT_USERNAME: 'sync-bot',
      GIT_TOKEN: TOKEN,
      DVC_DATASET_PATH: DATASET,
      DVC_REMOTE_ACCESS_KEY_ID: moto.accessKeyId,
      DVC_REMOTE_SECRET_ACCESS_KEY: moto.secretAccessKey,
      SYNC_INTERVAL_SECONDS: '5',
      GIT_HTTP_TIMEOUT_SECONDS: '5',
      DVC_REMOTE_READ_TIMEOUT: '5',
      LOG_LEVEL: 'warn',
    },
  });
  const client = new S3Client({
    endpoint: service.url,
    region: service.region,
    forcePathStyle: true,
    credentials: { accessKeyId: service.accessKeyId, secretAccessKey: service.secretAccessKey },
    maxAttempts: 1, // each answer is checked as given
  });

  const keys = Array.from({ length: KEYS }, (_, i) => `soak/${i % 10}/${i}.json`);
  const state = new Map<string, KeyState>(keys.map((key) => [key, { possible: [null], busy: false }]));
  const counts: Record<string, { ok: number; failed: number }> = {};
  const count = (op: string, ok: boolean) => {
    counts[op] ??= { ok: 0, failed: 0 };
    counts[op][ok ? 'ok' : 'failed']++;
  };
  const violations: string[] = [];
  const violation = (what: string) => {
    if (violations.length < 50) violations.push(what);
    log(`VIOLATION ${what}`);
  };
  let kills = 0;
  const faults: Record<string, number> = {};
  const samples: Array<{ t: number; pid?: number; rssKiB?: number; fds?: number; tmp: number; pending?: number }> = [];
  const started = Date.now();
  const deadline = started + MINUTES * 60_000;
  let running = true;

  const readBody = async (key: string): Promise<Value> => {
    try {
      const answer = await client.send(new GetObjectCommand({ Bucket: service.bucket, Key: key }));
      return await answer.Body!.transformToString('utf8');
    } catch (error) {
      if (error instanceof S3ServiceException && error.name === 'NoSuchKey') return null;
      throw error;
    }
  };

  /** One operation on one key, never two at once on a key, so that the record stays exact. */
  const operate = async (): Promise<void> => {
    const key = keys[randomInt(keys.length)];
    const slot = state.get(key)!;
    if (slot.busy) return;
    slot.busy = true;
    const roll = Math.random();
    try {
      if (roll < 0.5) {
        const body = `{"key": "${key}", "version": "${randomBytes(6).toString('hex')}", "at": ${Date.now()}}\n`;
        try {
          await client.send(new PutObjectCommand({ Bucket: service.bucket, Key: key, Body: body }));
          slot.possible = [body];
          count('PUT', true);
        } catch {
          slot.possible = [...new Set([...slot.possible, body])]; // not acknowledged: it may or may not be stored
          count('PUT', false);
        }
      } else if (roll < 0.65) {
        try {
          await client.send(new DeleteObjectCommand({ Bucket: service.bucket, Key: key }));
          slot.possible = [null];
          count('DELETE', true);
        } catch {
          slot.possible = [...new Set([...slot.possible, null])];
          count('DELETE', false);
        }
      } else if (roll < 0.85) {
        let found: Value;
        try {
          found = await readBody(key);
          count('GET', true);
        } catch {
          count('GET', false);
          return;
        }
        if (!slot.possible.includes(found))
          violation(`GET ${key}: ${JSON.stringify(found)} is none of the acknowledged states`);
        else slot.possible = [found]; // what it holds now is known
      } else {
        const prefix = key.slice(0, key.lastIndexOf('/') + 1);
        slot.busy = false; // this op reads a whole prefix: it holds no key
        const idle = keys.filter((k) => k.startsWith(prefix) && !state.get(k)!.busy);
        const before = new Map(idle.map((k) => [k, [...state.get(k)!.possible]]));
        let listed: Set<string>;
        try {
          const page = await client.send(new ListObjectsV2Command({ Bucket: service.bucket, Prefix: prefix }));
          listed = new Set((page.Contents ?? []).map((c) => c.Key!));
          count('LIST', true);
        } catch {
          count('LIST', false);
          return;
        }
        for (const [k, possible] of before) {
          const slotNow = state.get(k)!;
          if (slotNow.busy || slotNow.possible.join() !== possible.join()) continue; // written meanwhile
          const present = listed.has(k);
          if (!possible.some((value) => (value !== null) === present))
            violation(`LIST ${prefix}: ${k} ${present ? 'listed but deleted' : 'missing but acknowledged'}`);
        }
      }
    } finally {
      slot.busy = false;
    }
  };

  const load = async () => {
    const inFlight = new Set<Promise<void>>();
    const interval = 1000 / RATE;
    for (let next = Date.now(); running && Date.now() < deadline; next += interval) {
      await sleep(Math.max(0, next - Date.now()));
      if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
      const op = operate().catch((error: unknown) => violation(`client error: ${String(error)}`));
      inFlight.add(op);
      void op.finally(() => inFlight.delete(op));
    }
    await Promise.all(inFlight);
  };

  const killer = async () => {
    while (Date.now() < deadline) {
      await sleep(Math.min(randomWait(KILL_EVERY_S * 1000, 10_000), Math.max(0, deadline - Date.now())));
      if (Date.now() >= deadline) return;
      await service.kill9();
      kills++;
      log(`kill #${kills}`);
      await service.restart();
    }
  };

  const isPost = (suffix: string) => (req: IncomingMessage) => req.method === 'POST' && !!req.url?.endsWith(suffix);
  const outageKinds: Array<[string, FaultProxy, FaultRule]> = [
    ['git 503', gitProxy, { fault: { kind: 'status', status: 503 } }],
    ['git push cut', gitProxy, { fault: { kind: 'drop-request' }, match: isPost('/git-receive-pack') }],
    ['git stall 30 s', gitProxy, { fault: { kind: 'slow', ms: 30_000 } }],
    [
      's3 503 SlowDown',
      s3Proxy,
      {
        fault: { kind: 'status', status: 503, body: s3ErrorBody('SlowDown', 'Reduce your request rate.') },
        match: (r) => r.method === 'PUT',
      },
    ],
    ['s3 uploads cut', s3Proxy, { fault: { kind: 'drop-request' }, match: (r) => r.method === 'PUT' }],
    [
      's3 one upload in two fails',
      s3Proxy,
      {
        fault: { kind: 'status', status: 500, body: s3ErrorBody('InternalError', 'Try again.') },
        match: (r) => r.method === 'PUT',
        every: 2,
      },
    ],
  ];
  const outages = async () => {
    while (Date.now() < deadline) {
      await sleep(Math.min(randomWait(OUTAGE_EVERY_S * 1000, 10_000), Math.max(0, deadline - Date.now())));
      if (Date.now() >= deadline) return;
      const [name, proxy, rule] = outageKinds[randomInt(outageKinds.length)];
      faults[name] = (faults[name] ?? 0) + 1;
      log(`outage: ${name}`);
      proxy.set(rule);
      await sleep(randomInt(8_000, 20_000));
      proxy.set({ fault: { kind: 'none' } });
    }
  };

  const statusOf = async (): Promise<{ pending: number; lastError: string | null } | undefined> => {
    try {
      const response = await fetch(`${service.url}/_admin/sync`);
      return ((await response.json()) as { projects: Array<{ pending: number; lastError: string | null }> })
        .projects[0];
    } catch {
      return undefined;
    }
  };
  const sampler = async () => {
    while (running) {
      const pid = service.pid();
      const sample: (typeof samples)[number] = { t: Date.now() - started, pid, tmp: tmpFiles(service.dataDir) };
      if (pid) {
        try {
          const status = readFileSync(`/proc/${pid}/status`, 'utf8');
          sample.rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
          sample.fds = readdirSync(`/proc/${pid}/fd`).length;
        } catch {
          // exited between the two reads (a kill)
        }
      }
      sample.pending = (await statusOf())?.pending;
      samples.push(sample);
      await sleep(5_000);
    }
  };

  log(`soak: ${MINUTES} min at ${RATE} ops/s, kill every ~${KILL_EVERY_S}s, outage every ~${OUTAGE_EVERY_S}s`);
  const sampling = sampler();
  await Promise.all([load(), killer(), outages()]);
  gitProxy.set({ fault: { kind: 'none' } });
  s3Proxy.set({ fault: { kind: 'none' } });

  // Drain: flush until nothing is pending (the remotes are healthy again).
  let drained: { pending: number; lastError: string | null } | undefined;
  for (let i = 0; i < 60; i++) {
    const response = await fetch(`${service.url}/_admin/sync`, { method: 'POST' }).catch(() => undefined);
    drained = response
      ? ((await response.json()) as { projects: Array<{ pending: number; lastError: string | null }> }).projects[0]
      : undefined;
    if (drained?.pending === 0 && drained.lastError === null) break;
    await sleep(2_000);
  }
  running = false;
  await sampling;
  log(`drained: ${JSON.stringify(drained)}`);

  // Final comparison: storage, then the branch + DVC remote, against what was acknowledged.
  let lostInStorage = 0;
  const storageView = new Map<string, string>();
  for (const [key, slot] of state) {
    const found = await readBody(key);
    if (!slot.possible.includes(found)) {
      lostInStorage++;
      violation(`final GET ${key}: ${JSON.stringify(found)} is none of ${JSON.stringify(slot.possible)}`);
    }
    if (found !== null) storageView.set(key, found);
  }
  const pulled = await gitCloneAndDvcPull(bare, s3ConfigLocal('storage', moto));
  const files = readTree(join(pulled.dir, DATASET));
  const lostInDataset = [...storageView].filter(([key, body]) => files[key]?.toString('utf8') !== body).length;
  const extraInDataset = Object.keys(files).filter((relpath) => !storageView.has(relpath)).length;
  const sync = await pulled.syncState();
  const cloudClean = JSON.stringify(sync.cloudStatus) === '{}' && JSON.stringify(sync.dataStatus) === '{}';
  const commits = Number(git(bare, 'rev-list', '--count', 'main').trim());
  const finalTmp = tmpFiles(service.dataDir);
  const finalPid = service.pid();
  const finalFds = finalPid ? readdirSync(`/proc/${finalPid}/fd`).length : undefined;

  client.destroy();
  await service.stop();
  await gitProxy.stop();
  await s3Proxy.stop();
  await moto.stop();
  await gitServer.stop();
  info.finish();

  const acknowledgedWrites = (counts.PUT?.ok ?? 0) + (counts.DELETE?.ok ?? 0);
  const lost = lostInStorage + lostInDataset;
  const perMinute = new Map<number, typeof samples>();
  for (const sample of samples) {
    const minute = Math.floor(sample.t / 60_000);
    perMinute.set(minute, [...(perMinute.get(minute) ?? []), sample]);
  }
  const max = (values: Array<number | undefined>) => {
    const known = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
    return known.length ? Math.max(...known) : NaN;
  };
  const markdown = [
    '# Soak',
    '',
    `${MINUTES} minutes of mixed S3 traffic at ${RATE} ops/s with random SIGKILLs and remote outages, then a check of`,
    'storage, the branch and the DVC remote against every acknowledged answer (bench/soak/soak.ts; docs/reliability.md).',
    '',
    '## Outcome',
    '',
    '| | |',
    '|---|---|',
    `| **lost acknowledged writes** | **${lost}** (storage ${lostInStorage}, branch + DVC remote ${lostInDataset}) |`,
    `| answers that contradicted an acknowledged state | ${violations.length} |`,
    `| files in the dataset that storage does not hold | ${extraInDataset} |`,
    `| \`dvc status -c\` / \`dvc data status\` in a fresh clone | ${cloudClean ? 'clean' : JSON.stringify(sync)} |`,
    `| pending after the final flush | ${drained?.pending ?? 'unknown'} (last error: ${drained?.lastError ?? 'none'}) |`,
    `| acknowledged writes (PUT + DELETE) | ${int(acknowledgedWrites)} |`,
    `| commits on the branch | ${int(commits)} |`,
    `| SIGKILLs (each followed by a restart) | ${kills} |`,
    `| remote outages | ${Object.values(faults).reduce((a, b) => a + b, 0)}: ${
      Object.entries(faults)
        .map(([name, n]) => `${name} × ${n}`)
        .join(', ') || 'none'
    } |`,
    `| temp files in DATA_DIR/tmp at the end | ${finalTmp} |`,
    `| open file descriptors at the end | ${finalFds ?? 'n/a'} |`,
    '',
    '## Operations',
    '',
    '| op | answered 2xx | failed (service down, killed mid-request, or refused) |',
    '|---|---:|---:|',
    ...Object.entries(counts).map(([op, c]) => `| ${op} | ${int(c.ok)} | ${int(c.failed)} |`),
    '',
    '## Resources over time (samples every 5 s; a kill starts a new process)',
    '',
    '| minute | processes seen | max RSS (MiB) | max open fds | max temp files | max pending |',
    '|---:|---:|---:|---:|---:|---:|',
    ...[...perMinute].map(
      ([minute, list]) =>
        `| ${minute + 1} | ${new Set(list.map((s) => s.pid).filter(Boolean)).size} | ${int(max(list.map((s) => s.rssKiB)) / 1024)} | ${int(max(list.map((s) => s.fds)))} | ${int(max(list.map((s) => s.tmp)))} | ${int(max(list.map((s) => s.pending)))} |`,
    ),
    '',
    ...(violations.length ? ['## Violations (first 50)', '', ...violations.map((v) => `- ${v}`), ''] : []),
    '## Machine',
    '',
    info.markdown(
      `npm run soak -- --minutes ${MINUTES} --rate ${RATE} --kill-every ${KILL_EVERY_S} --outage-every ${OUTAGE_EVERY_S}`,
    ),
    '',
  ].join('\n');
  const file = writeResult(outName('soak'), markdown);
  log(`wrote ${file}: lost = ${lost}, violations = ${violations.length}`);
  removeTempRoots();
  if (lost > 0 || violations.length > 0 || !cloudClean || drained?.pending !== 0) process.exitCode = 1;
}

function tmpFiles(dataDir: string): number {
  try {
    // Files at any depth: those made ahead live in slot folders (src/storage/temp-files.ts).
    return readdirSync(join(dataDir, 'tmp'), { recursive: true, withFileTypes: true }).filter(
      (entry) => entry.isFile() && !entry.name.startsWith('probe-'),
    ).length;
  } catch {
    return 0;
  }
}

main().catch((error: unknown) => {
  log(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  removeTempRoots();
  process.exit(1);
});
