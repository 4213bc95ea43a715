import { join } from 'node:path';
import { lsTree } from '../../git/repo-inspect.js';
import { createBareRepo, git, pushCommit } from '../../support/git-http-server.js';
import { Teammate } from './teammate.js';

/** What `dvc init` commits, plus a README: a fresh repository that uses DVC. */
function dvcInitFiles(dvcConfig: string): Record<string, string> {
  return {
    'README.md': '# Labels\n',
    '.dvc/config': dvcConfig,
    '.dvc/.gitignore': '/config.local\n/tmp\n/cache\n',
    '.dvcignore': '# Add patterns of files dvc should ignore\n',
  };
}

/** `.dvc/config` naming one default remote, as `dvc remote add -d storage <url>` (+ `modify`) writes it. */
export function dvcConfigText(url: string, options: Record<string, string> = {}): string {
  const lines = Object.entries({ url, ...options }).map(([key, value]) => `    ${key} = ${value}\n`);
  return `[core]\n    remote = storage\n['remote "storage"']\n${lines.join('')}`;
}

/** `<root>/<name>.git`: a new bare repository with one commit of DVC's skeleton using `dvcConfig`. */
export function createDvcRepo(root: string, name: string, dvcConfig: string): string {
  const bare = createBareRepo(root, name, { empty: true });
  pushCommit(bare, 'main', dvcInitFiles(dvcConfig), 'Initialize DVC');
  return bare;
}

/**
 * A team's repository with a life of its own: createBareRepo's history and files (code, README…), then a
 * commit made by a teammate with the real dvc CLI that points the default remote at `dvcRemoteDir` and
 * tracks `data/annotations/` holding `seedFiles` (`dvc add` + `dvc push`).
 */
export async function createTeamRepo(
  root: string,
  name: string,
  dvcRemoteDir: string,
  seedFiles: Record<string, string>,
): Promise<{ bare: string; teammate: Teammate }> {
  const bare = createBareRepo(root, name);
  // The seeded data/annotations.dvc names objects that no reachable remote has: no `dvc pull` yet.
  const teammate = await Teammate.clone(bare, { dvcPull: false });
  await teammate.dvc('remote', 'add', '--default', '--force', 'storage', dvcRemoteDir);
  for (const [relpath, content] of Object.entries(seedFiles))
    teammate.write(join('data', 'annotations', relpath), content);
  await teammate.dvc('add', 'data/annotations');
  await teammate.dvc('push');
  await teammate.commitAndPush('Keep the annotations in the team DVC storage');
  return { bare, teammate };
}

/** `git ls-tree -r <ref>` of a bare repository (path → "mode oid"), minus `except`. */
export function filesAt(bare: string, ref: string, except: readonly string[] = []): Record<string, string> {
  return Object.fromEntries(Object.entries(lsTree(bare, ref)).filter(([path]) => !except.includes(path)));
}

export function branchTip(bare: string, branch = 'main'): string {
  return git(bare, 'rev-parse', `refs/heads/${branch}`).trim();
}

export function isAncestor(bare: string, ancestor: string, of: string): boolean {
  try {
    git(bare, 'merge-base', '--is-ancestor', ancestor, of);
    return true;
  } catch {
    return false;
  }
}

/** Commits from `from` (exclusive) to `to`, oldest first, each with its parents and changed paths. */
export function commitsBetween(
  bare: string,
  from: string,
  to: string,
): Array<{ commit: string; parents: string[]; author: string; paths: string[] }> {
  const ids = git(bare, 'rev-list', '--reverse', '--topo-order', `${from}..${to}`).trim().split('\n').filter(Boolean);
  return ids.map((commit) => {
    const [parents, author] = git(bare, 'log', '-1', '--format=%P%x00%an', commit).trim().split('\0');
    const paths = git(bare, 'diff-tree', '--no-commit-id', '--name-only', '-r', '-z', commit)
      .split('\0')
      .filter(Boolean);
    return { commit, parents: parents.split(' ').filter(Boolean), author, paths };
  });
}
