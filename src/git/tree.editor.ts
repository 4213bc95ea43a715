import type { FileChange } from './git.remote.js';
import { GitRemoteError } from './git-remote.error.js';
import { splitRepoPath } from './repo-path.util.js';

/** A git tree entry as isomorphic-git reads and writes it. */
export interface TreeEntry {
  mode: string;
  path: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
}

/** The object database a tree is edited in (isomorphic-git on a gitdir; a Map in the spec). */
export interface TreeStore {
  readTree(oid: string): Promise<TreeEntry[]>;
  writeTree(entries: TreeEntry[]): Promise<string>;
  writeBlob(content: Buffer): Promise<string>;
}

/** Changes grouped by folder: what happens to each name directly inside, and which subfolders change. */
interface EditNode {
  files: Map<string, Buffer | null>;
  dirs: Map<string, EditNode>;
}

const REGULAR = '100644';
const EXECUTABLE = '100755';

function invalid(path: string, why: string): GitRemoteError {
  return new GitRemoteError('invalid', `cannot commit '${path}': ${why}`);
}

function plan(changes: FileChange[]): EditNode {
  const root: EditNode = { files: new Map(), dirs: new Map() };
  const seen = new Set<string>();
  for (const change of changes) {
    const split = splitRepoPath(change.path);
    if ('error' in split) throw invalid(change.path, split.error);
    if (seen.has(change.path)) throw invalid(change.path, 'it appears twice in one commit');
    seen.add(change.path);
    let node = root;
    for (const [i, name] of split.names.entries()) {
      const last = i === split.names.length - 1;
      if (last) {
        if (node.dirs.has(name)) throw invalid(change.path, 'the same commit also writes files under it');
        node.files.set(name, change.content);
        continue;
      }
      if (node.files.has(name)) throw invalid(change.path, `the same commit also writes '${name}' as a file`);
      const next = node.dirs.get(name) ?? { files: new Map(), dirs: new Map() };
      node.dirs.set(name, next);
      node = next;
    }
  }
  return root;
}

/** True when the subtree only deletes: applying it where nothing exists is a no-op. */
function onlyDeletes(node: EditNode): boolean {
  return [...node.files.values()].every((c) => c === null) && [...node.dirs.values()].every(onlyDeletes);
}

/**
 * Rewrites one folder bottom-up: untouched entries keep their oid and mode, so the team's other files
 * are byte-for-byte the same objects. Resolves the new tree oid, `base` itself when nothing changed
 * (no rewrite), or null when the folder ends up empty (git has no empty folders).
 */
async function editFolder(
  store: TreeStore,
  base: string | null,
  node: EditNode,
  prefix: string,
): Promise<string | null> {
  const entries = new Map((base ? await store.readTree(base) : []).map((e) => [e.path, e]));
  let changed = false;

  for (const [name, content] of node.files) {
    const path = prefix + name;
    const existing = entries.get(name);
    if (existing && existing.type !== 'blob') {
      throw invalid(path, existing.type === 'tree' ? 'it is a folder in the repository' : 'it is a submodule');
    }
    if (content === null) {
      if (entries.delete(name)) changed = true;
      continue;
    }
    const oid = await store.writeBlob(content);
    // Keep the executable bit; a symlink overwritten with content becomes a regular file.
    const mode = existing?.mode === EXECUTABLE ? EXECUTABLE : REGULAR;
    if (existing?.oid === oid && existing.mode === mode) continue;
    entries.set(name, { mode, path: name, oid, type: 'blob' });
    changed = true;
  }

  for (const [name, child] of node.dirs) {
    const path = `${prefix}${name}/`;
    const existing = entries.get(name);
    if (existing && existing.type !== 'tree') {
      if (onlyDeletes(child)) continue; // deleting below a file: nothing there to delete
      throw invalid(
        path,
        `'${prefix}${name}' is a ${existing.type === 'blob' ? 'file' : 'submodule'} in the repository`,
      );
    }
    const oid = await editFolder(store, existing?.oid ?? null, child, path);
    if (oid === (existing?.oid ?? null)) continue;
    if (oid === null) entries.delete(name);
    else entries.set(name, { mode: '040000', path: name, oid, type: 'tree' });
    changed = true;
  }

  if (!changed) return base;
  return entries.size === 0 ? null : store.writeTree([...entries.values()]);
}

/**
 * The tree of `baseTree` (null: empty) with exactly `changes` applied (content: write; null: delete a file,
 * a missing one is not an error). Refuses, before writing anything referenced, a path git cannot hold or
 * one that would turn a file into a folder or back.
 */
export async function editTree(store: TreeStore, baseTree: string | null, changes: FileChange[]): Promise<string> {
  const root = plan(changes);
  return (await editFolder(store, baseTree, root, '')) ?? store.writeTree([]);
}
