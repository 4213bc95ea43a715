import { dirname, isAbsolute, relative, sep } from 'node:path';
import { fsyncDir } from '../common/fsync-dir.js';
import { SharedFsync } from './shared-fsync.js';

/** Beyond this many known directories, forget them all: costs one extra fsync per folder, never safety. */
const MAX_KNOWN = 65_536;

/**
 * The directory fsyncs that make renames into the objects folder durable, and no more than those.
 *
 * A new directory entry survives a crash once the directory holding it is fsynced, and a directory created for it
 * once ITS parent is, and so on up (LWN, "Ensuring data reaches disk": fsync the file, then "the directory
 * containing it", for a newly created file; the same holds for a new directory). Fsyncing every level on every put
 * is safe but costs one fsync per level. Here:
 *
 * - The directory receiving the entry is fsynced every time: that fsync is what makes this rename durable.
 * - Each level above it is fsynced only while this process has not SEEN it made durable (`known`). A directory is
 *   learned from an fsync of its parent that started after a rename of ours had landed in it. The directories
 *   `mkdir -p` reports as created are not enough: one created a moment ago by a concurrent put, whose fsync of
 *   the parent has not run yet, is reported as "already there", and a put trusting that could be acknowledged
 *   while its folder can still vanish in a crash. Unknown means "fsync its parent" — after a restart, the first
 *   put into each folder pays that extra fsync; nothing is ever assumed.
 * - A directory is forgotten BEFORE any rmdir of it (`forget`), so a directory created again at that path is
 *   unknown until made durable again. While one of our files is in it (a put keeps its key from writers until this
 *   fsync ends, local-storage.backend.ts `settle`), it cannot be removed, which is why learning it once the fsync
 *   ends is sound.
 * - Fsyncs of one directory are shared by concurrent renames into it (shared-fsync.ts).
 */
export class DurableDirs {
  private readonly known = new Set<string>();
  private readonly fsyncs: SharedFsync;

  constructor(
    readonly root: string,
    fsync: (dir: string) => Promise<void> = fsyncDir,
  ) {
    this.fsyncs = new SharedFsync(fsync);
  }

  /**
   * Resolves once an entry just made in `dir` (a rename, a mkdir) survives a crash, and so does every directory
   * between it and the root. `dir` is the root or below it.
   */
  async entryMadeIn(dir: string): Promise<void> {
    const unknown = this.unknownUpTo(dir);
    const toSync = new Set([dir, ...unknown.map((d) => dirname(d))]);
    await Promise.all([...toSync].map((d) => this.sync(d)));
    this.remember(unknown);
  }

  /**
   * Resolves once an entry just removed from `dir` (an unlink) stays removed after a crash. A concurrent delete may
   * have pruned `dir` meanwhile (it was empty): the removal of `dir` from its parent then carries ours with it, so
   * the nearest directory still there is fsynced instead.
   */
  async entryRemovedFrom(dir: string): Promise<void> {
    for (let d = dir; ; d = dirname(d)) {
      try {
        return await this.sync(d);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || d === this.root || !isInside(d, this.root))
          throw error;
      }
    }
  }

  /**
   * `dir` and every directory between it and the root are durable: a syncfs(2) of their file system that started
   * after an entry of ours was made in `dir` ended (file-system-syncs.ts). Sound for the reason `entryMadeIn` is:
   * our entry keeps `dir` from being removed until then.
   */
  learn(dir: string): void {
    this.remember(this.unknownUpTo(dir));
  }

  /** Whether `dir` is known to exist durably (the root always is: created and fsynced at startup). */
  isKnown(dir: string): boolean {
    return dir === this.root || this.known.has(dir);
  }

  /** Call before removing `dir`: whatever is created at that path later is a new directory, not yet durable. */
  forget(dir: string): void {
    this.known.delete(dir);
  }

  /** `dir` and the directories between it and the root that this process has not seen made durable. */
  private unknownUpTo(dir: string): string[] {
    const unknown: string[] = [];
    for (let d = dir; d !== this.root && isInside(d, this.root); d = dirname(d))
      if (!this.known.has(d)) unknown.push(d);
    return unknown;
  }

  private remember(dirs: string[]): void {
    if (this.known.size + dirs.length > MAX_KNOWN) this.known.clear();
    for (const d of dirs) this.known.add(d);
  }

  /** One fsync of `dir` that starts after this call, shared with every caller that arrives before it starts. */
  sync(dir: string): Promise<void> {
    return this.fsyncs.sync(dir);
  }
}

/** `dir` is `root` or below it (a directory named `..x` is below it). */
export function isInside(dir: string, root: string): boolean {
  const rel = relative(root, dir);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
