import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { alignedCopy, createDirectSync } from './aligned-write.js';
import { median } from './report.js';
import { dvcOutput, embeddedDvcFile } from './flush-measure.js';
import type { Service } from './processes.js';

/** What the `.dir` object of a service's current dataset version costs on its own, measured on its disk. */
export interface DirObjectCost {
  bytes: number;
  /** md5 of the whole listing (its id), ms (median). */
  hashMs: number;
  /**
   * write past the page cache (as the local remote writes a large `.dir`) + fsync + rename + folder fsync of that many
   * bytes next to the service's data, ms (median).
   */
  durableWriteMs: number;
}

/**
 * Every version of a directory dataset names one `.dir` object that lists every file (docs/dvc-format.md), so a
 * flush of 100 changes writes a listing of the whole dataset: its hash and its durable write grow with the files,
 * whatever the flush does around them. This measures that part alone, `repeats` times, on the `.dir` the service's
 * last flush wrote (read from its embedded DVC remote) and in its own DATA_DIR (the same disk).
 */
export function dirObjectCost(service: Service, repeats = 5): DirObjectCost {
  const { md5 } = dvcOutput(embeddedDvcFile(service));
  const listing = readFileSync(join(service.dataDir, 'dvc-remote', 'files', 'md5', md5.slice(0, 2), md5.slice(2)));
  const hashMs: number[] = [];
  const durableWriteMs: number[] = [];
  const aligned = alignedCopy(listing);
  const tmp = join(service.dataDir, 'tmp', 'bench-dir-object.tmp');
  const target = join(service.dataDir, 'tmp', 'bench-dir-object');
  for (let i = 0; i < repeats; i++) {
    let started = performance.now();
    createHash('md5').update(listing).digest('hex');
    hashMs.push(performance.now() - started);

    started = performance.now();
    const fd = createDirectSync(tmp, aligned, listing.length);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, target);
    const folder = openSync(join(service.dataDir, 'tmp'), 'r');
    fsyncSync(folder);
    closeSync(folder);
    durableWriteMs.push(performance.now() - started);
    rmSync(target);
  }
  return { bytes: listing.length, hashMs: median(hashMs), durableWriteMs: median(durableWriteMs) };
}
