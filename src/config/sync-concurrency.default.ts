/**
 * SYNC_CONCURRENCY when unset: the machine's cores, at least 2 and at most 4. Every flush runs its JavaScript on the
 * one thread that also serves the PUTs, and its file operations on libuv's pool of four threads that the PUTs'
 * fsyncs use too; on a 2-core machine the PUT path alone keeps ~1.2 cores busy, and four small flushes at once took
 * the rest and more (bench/results/projects-scale.md: 50 projects, `POST /_admin/sync` back to back). Never below 2:
 * a project whose remote hangs holds its slot until the remote's timeout, and the others must still flush meanwhile
 * (docs/architecture.md, "One PUT", step 3). Never above 4 unless asked: flushes waiting on distant remotes cost no
 * CPU, and that is the case for raising it (README, "Configuration reference").
 */
export function defaultSyncConcurrency(cores: number): number {
  return Math.min(4, Math.max(2, Math.floor(cores)));
}
