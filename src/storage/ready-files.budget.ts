import { readFileSync } from 'node:fs';

/** Ready files of every bucket together where the process's limit of open files is unknown or small. */
const FLOOR = 128;
/** ... and at most, whatever the limit: enough for 256 written buckets with every file ready (READY_TEMP_FILES). */
const CEILING = 4_096;
/** The share of the process's descriptors ready files may hold: sockets, databases and Git packs need the rest. */
const SHARE = 8;

/**
 * The descriptors that the temp files made ahead of need (temp-files.ts) may hold, together, for every bucket of the
 * process: one budget, shared by the buckets of every project. A bucket that finds it spent makes no files ahead;
 * its PUTs create their own (and wait for their folder's fsync, as before files were made ahead).
 *
 * Sized from the soft limit of open files (RLIMIT_NOFILE; Node raises it to the hard limit at start): 1/8 of it,
 * between 128 and 4,096. A limit of 1,024 (a common default) gives 128, as many as 8 buckets under load keep ready;
 * Docker's usual 1,048,576 gives 4,096. Fifty projects under load would keep 800.
 */
export class ReadyFilesBudget {
  private held = 0;

  constructor(readonly limit: number = readyFilesLimit()) {}

  /** `wanted` descriptors if at least `atLeast` of them are left (as many as are, up to `wanted`), else none: 0. */
  reserve(wanted: number, atLeast: number): number {
    const count = Math.min(wanted, this.limit - this.held);
    if (count < atLeast) return 0;
    this.held += count;
    return count;
  }

  /** `count` descriptors reserved before were closed, or never opened. */
  release(count: number): void {
    this.held -= count;
  }
}

/** The budget for a soft limit of `openFiles` descriptors (undefined: unknown, or unlimited). */
export function readyFilesFor(openFiles: number | undefined): number {
  if (openFiles === undefined) return FLOOR;
  return Math.min(CEILING, Math.max(FLOOR, Math.floor(openFiles / SHARE)));
}

/**
 * The soft limit in a proc(5) `limits` file ("Max open files  <soft>  <hard>  files"): undefined when the line is
 * missing or says "unlimited".
 */
export function softOpenFiles(limits: string): number | undefined {
  const match = /^Max open files\s+(\d+)\s/m.exec(limits);
  return match ? Number(match[1]) : undefined;
}

function readyFilesLimit(): number {
  try {
    return readyFilesFor(softOpenFiles(readFileSync('/proc/self/limits', 'utf8')));
  } catch {
    return FLOOR; // no /proc (not Linux): the small default
  }
}
