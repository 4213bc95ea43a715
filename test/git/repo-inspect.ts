import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git } from '../support/git-http-server.js';

/** What the real git CLI sees in a bare repository (never through the test's http server: no deadlock). */

/** `git ls-tree -r`: path → "mode oid" of every file at `ref`. */
export function lsTree(bare: string, ref: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of git(bare, 'ls-tree', '-r', '-z', ref).split('\0')) {
    if (!line) continue;
    const [meta, path] = line.split('\t');
    const [mode, , oid] = meta.split(' ');
    out[path] = `${mode} ${oid}`;
  }
  return out;
}

/** `git log --first-parent`: subjects, newest first. */
export function logSubjects(bare: string, ref: string): string[] {
  return git(bare, 'log', '--format=%s', ref).trim().split('\n');
}

export function show(bare: string, ref: string, path: string): string {
  return git(bare, 'show', `${ref}:${path}`);
}

export function tip(bare: string, branch: string): string | undefined {
  const out = git(bare, 'for-each-ref', '--format=%(objectname)', `refs/heads/${branch}`).trim();
  return out || undefined;
}

/** `git clone` the way a data scientist would, then reads files from the checkout. */
export function cloneAndRead(
  bare: string,
  branch: string,
  paths: string[],
): { files: Record<string, string>; fsck: string } {
  const dir = mkdtempSync(join(tmpdir(), 'git-clone-'));
  try {
    git(dir, 'clone', '-q', '--branch', branch, bare, 'work');
    const files = Object.fromEntries(paths.map((p) => [p, readFileSync(join(dir, 'work', p), 'utf8')]));
    return { files, fsck: git(join(dir, 'work'), 'fsck', '--strict', '--no-progress') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
