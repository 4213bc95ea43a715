import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot, toolPaths } from '../../support/tools.js';

/**
 * A folder that does not tell letter case apart ("A.json" and "a.json" are one file), as a macOS folder is:
 * test/tools/caseless-fs mounted with FUSE by the test (root only, as the CI container runs; not being root is a
 * loud failure, never a skip).
 */
export interface CaselessFolder {
  dir: string;
  /** Unmounts, stops the file system and removes both folders; safe to call twice. */
  remove(): void;
}

export async function mountCaselessFolder(): Promise<CaselessFolder> {
  if (process.getuid?.() !== 0) throw new Error('mounting a FUSE folder needs root (as the CI container runs)');
  const backing = mkdtempSync(join(tmpdir(), 'dvc-sync-caseless-backing-'));
  const dir = mkdtempSync(join(tmpdir(), 'dvc-sync-caseless-'));
  const script = join(repoRoot, 'test', 'tools', 'caseless-fs', 'caseless_fs.py');
  const child = spawn(toolPaths().caselessFs, [script, backing, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  child.on('exit', () => (exited = true));
  const mounted = () =>
    readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .some((line) => line.split(' ')[1] === dir);
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    if (mounted()) execFileSync('umount', [dir]);
    child.kill();
    rmSync(dir, { recursive: true, force: true });
    rmSync(backing, { recursive: true, force: true });
  };
  for (let waited = 0; !mounted(); waited += 50) {
    if (exited || waited > 10_000) {
      remove();
      throw new Error(`the caseless folder did not mount on ${dir}:\n${output}`);
    }
    await sleep(50);
  }
  return { dir, remove };
}
