import { execFileSync } from 'node:child_process';
import { runLoad } from './load.js';
import { flush, type FlushAnswer, processCpuMs, processMinorFaults, type Service } from './processes.js';
import type { S3Putter } from './s3-put.js';

/** The directory-layout dataset of the flush benchmarks: where it lives in the repository. */
export const DIRECTORY_DATASET = 'data/annotations';

/** Object i of a directory dataset: `objects/000042.json` (the key is also its path inside the dataset folder). */
export const datasetKey = (i: number) => `objects/${String(i).padStart(6, '0')}.json`;

/** A small JSON file per object (~90 bytes), distinct per object and version (so no two share a DVC hash). */
export function datasetBody(i: number, version: number): Buffer {
  return Buffer.from(
    `{"id":${i},"version":${version},"label":"${version % 2 ? 'positive' : 'negative'}","note":"bench object"}\n`,
  );
}

/**
 * The indexes of `changes` updates of existing objects spread over a key range of `size` (stride size/changes,
 * shifted by `repeat` so that each repeat updates other keys): how every flush benchmark picks the 100 changes.
 */
export function spreadChanges(size: number, changes: number, repeat: number): number[] {
  const stride = Math.max(1, Math.floor(size / changes));
  return Array.from({ length: Math.min(changes, size) }, (_, k) => (k * stride + repeat) % size);
}

/** PUTs `count` objects through the S3 API (16 clients, as a bulk writer would); returns the wall time in ms. */
export async function putObjects(
  service: Service,
  putter: S3Putter,
  count: number,
  object: (n: number) => { key: string; body: Buffer },
): Promise<number> {
  const result = await runLoad(putter, { requests: count, concurrency: 16, object });
  if (result.errors.length > 0)
    throw new Error(`PUTs failed:\n${result.errors.join('\n')}\n${service.logs().slice(-4000)}`);
  return result.wallMs;
}

export interface MeasuredFlush {
  /** lastFlush.durationMs: the service's own clock. */
  durationMs: number;
  /** Wall time of POST /_admin/sync, as a client sees it. */
  wallMs: number;
  /** CPU time of the service process during the flush. */
  serverCpuMs: number;
  /** Minor page faults of the service process during the flush (`processMinorFaults`). */
  serverPageFaults: number;
  added: number;
  updated: number;
  uploadedObjects: number;
}

/** POST /_admin/sync, timed; fails when anything is left pending or a body was rejected. */
export async function measuredFlush(service: Service, name: string): Promise<MeasuredFlush> {
  const cpu0 = processCpuMs(service.pid);
  const faults0 = processMinorFaults(service.pid);
  const answer: FlushAnswer = await flush(service);
  const serverCpuMs = processCpuMs(service.pid) - cpu0;
  const serverPageFaults = processMinorFaults(service.pid) - faults0;
  const last = answer.status.lastFlush;
  if (!last || answer.status.pending !== 0)
    throw new Error(`${name}: flush left ${answer.status.pending} pending: ${JSON.stringify(answer.status)}`);
  if (answer.status.rejected.length > 0)
    throw new Error(`${name}: bodies rejected: ${JSON.stringify(answer.status.rejected.slice(0, 3))}`);
  return {
    durationMs: last.durationMs,
    wallMs: answer.wallMs,
    serverCpuMs,
    serverPageFaults,
    added: last.added,
    updated: last.updated,
    uploadedObjects: last.uploadedObjects,
  };
}

/** The dataset's `.dvc` file as committed on the embedded repository's branch (GIT_REPO_URL unset). */
export function embeddedDvcFile(service: Service, datasetPath = DIRECTORY_DATASET): string {
  const branch = service.settings.GIT_BRANCH ?? 'main';
  return execFileSync('git', ['--git-dir', `${service.dataDir}/repo.git`, 'show', `${branch}:${datasetPath}.dvc`], {
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  });
}

/** md5 (`….dir`), size and nfiles of a directory output's `.dvc` file (docs/dvc-format.md). */
export function dvcOutput(dvcFile: string): { md5: string; size: number; nfiles: number } {
  const field = (name: string) => {
    const match = new RegExp(`^\\s*-?\\s*${name}: '?([^'\\s]+)'?$`, 'm').exec(dvcFile);
    if (!match) throw new Error(`no ${name} in the .dvc file:\n${dvcFile}`);
    return match[1];
  };
  return { md5: field('md5'), size: Number(field('size')), nfiles: Number(field('nfiles')) };
}
