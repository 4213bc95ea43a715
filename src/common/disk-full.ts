/**
 * "The disk is full", whoever says it: the kernel (ENOSPC; EDQUOT, a user or project quota) or SQLite
 * (SQLITE_FULL, its own word for an ENOSPC while growing a database or its WAL). Errors wrapped by a layer
 * (`cause`, e.g. a DVC remote or git error) are followed. One rule for the S3 answer, the health check and
 * the sync status.
 */
const DISK_FULL_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);

export function isDiskFull(error: unknown): boolean {
  for (let e = error, depth = 0; e !== null && typeof e === 'object' && depth < 8; depth++) {
    const { code, cause } = e as { code?: unknown; cause?: unknown };
    if (typeof code === 'string' && DISK_FULL_CODES.has(code)) return true;
    e = cause;
  }
  return false;
}

/** What an operator reads in the health check and the sync status while DATA_DIR's disk is full. */
export const DISK_FULL_ADVICE =
  'the disk of DATA_DIR is full: S3 writes are refused (503 SlowDown) and flushes wait; every write ' +
  'acknowledged before is kept. Free space or grow the volume: writes and flushes resume by themselves, no restart';
