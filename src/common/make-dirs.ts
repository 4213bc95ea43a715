import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p`, one folder at a time. Node's `mkdirSync(path, { recursive: true })` never returns where mkdir answers
 * ENOENT under a parent that exists (procfs: `DATA_DIR=/proc/nope` hung the service at start); here the first
 * folder that cannot be made throws, with its path and code, for the start-up error to name.
 */
export function makeDirsSync(path: string, mode: number): void {
  const missing: string[] = [];
  for (let dir = resolve(path); !existsSync(dir); dir = dirname(dir)) {
    missing.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of missing) mkdirSync(dir, { mode });
}
