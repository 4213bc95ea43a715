import { lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../common/fsync-dir.js';
import { syncFileSystem } from '../common/sync-file-system.js';

// A power cut modelled at the seam where storage fsyncs folders (LocalStorageConfig.fsyncDir), for the storage specs
// (a test helper: tsconfig.build.json leaves it out of the build). The crash suites under test/reliability kill
// the process (SIGKILL): the page cache survives there, so a directory entry never made durable is never lost.

/** A directory entry: the inode it names, and whether that is a folder. */
interface Entry {
  ino: number;
  folder: boolean;
}

interface HeldFsync {
  dir: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Which directory entries survive a power cut, as fsync(2) and syncfs(2) promise and no more: a folder's entries
 * survive as they were when the last fsync of that folder (or syncfs of the whole file system) that ENDED had
 * started; anything made or removed in it since is undone
 * (a rename: back under its old name if that one was durable, gone otherwise). A folder no fsync covered since
 * `baseline` is empty. File contents are kept as they are at the cut (the storage fsyncs bytes before it relies on
 * them; losing unsynced bytes is another spec's case). Folders under `roots` only; SQLite's files are not modelled
 * (the puts wait for the WAL's fdatasync).
 */
export class PowerCut {
  /** Per folder: its entries as of the start of the last fsync of it that ended. */
  private readonly durable = new Map<string, Map<string, Entry>>();
  /**
   * Per folder, when the listing in `durable` was taken (a count of the fsyncs and syncs started): a sync that started
   * earlier but ended later (a folder's fsync and a whole-file-system sync overlap) covers less, and does not replace
   * it.
   */
  private readonly durableSince = new Map<string, number>();
  private started = 0;
  /** The folders of the fsyncs that ended, in order (of a whole file system's sync: the folder it was called on). */
  readonly ended: string[] = [];
  /** Fsyncs being held: they have not reached the disk. */
  readonly held: HeldFsync[] = [];
  /** Folders whose fsyncs are held until `letThrough` (none by default). */
  hold: (dir: string) => boolean = () => false;
  /**
   * The last bytes seen of each file (by inode): at each fsync of its folder, and at the cut. A file replaced by a
   * rename whose folder was not fsynced comes back with these. Object files are never written in place, so the
   * bytes of an inode seen at an fsync are its bytes.
   */
  private readonly contents = new Map<number, Buffer>();
  private cutAt?: Map<string, Map<string, Entry>>;

  constructor(private readonly roots: string[]) {}

  /** What is on the disk now counts as durable (the service started, and fsynced its folders). */
  async baseline(): Promise<void> {
    for (const root of this.roots) {
      await this.walk(root, async (dir) => {
        this.durable.set(dir, await listing(dir));
      });
    }
  }

  /** The seam: the real fsync, after the listing it makes durable was taken; held while `hold(dir)`; none after the cut. */
  readonly fsync = async (dir: string): Promise<void> => {
    if (this.cutAt) throw new Error('power cut');
    const started = ++this.started;
    const entries = await listing(dir);
    await this.keepContents(dir, entries);
    if (this.hold(dir)) await this.waitHeld(dir);
    await fsyncDir(dir);
    if (this.cutAt) return;
    this.makeDurable(dir, entries, started);
    this.ended.push(dir);
  };

  /**
   * The seam of the whole file system's sync (FileSystemSyncs): every folder under the roots becomes durable as it
   * was when the call started; held (as an fsync of the first such folder) while `hold` holds any of them; none after
   * the cut.
   */
  readonly syncFileSystem = async (path: string): Promise<boolean> => {
    if (this.cutAt) throw new Error('power cut');
    const started = ++this.started;
    const listings = new Map<string, Map<string, Entry>>();
    for (const root of this.roots) {
      await this.walk(root, async (dir) => {
        const entries = await listing(dir);
        await this.keepContents(dir, entries);
        listings.set(dir, entries);
      });
    }
    const held = [...listings.keys()].find((dir) => this.hold(dir));
    if (held) await this.waitHeld(held);
    if (!(await syncFileSystem(path))) throw new Error('power-cut model: syncfs(2) is not available here');
    if (this.cutAt) return true;
    for (const [dir, entries] of listings) this.makeDurable(dir, entries, started);
    this.ended.push(path);
    return true;
  };

  /** Lets the oldest `count` held fsyncs run. */
  letThrough(count = this.held.length): void {
    for (const fsync of this.held.splice(0, count)) fsync.resolve();
  }

  /**
   * The power goes: held and later fsyncs fail, and what is durable now is what `restore` will leave. The caller then
   * stops the old service (a dead process writes nothing: keep its writes out of the test) and calls `restore`.
   */
  async cut(): Promise<void> {
    for (const root of this.roots) await this.walk(root, async (dir) => this.keepContents(dir, await listing(dir)));
    this.cutAt = new Map(this.durable);
    for (const fsync of this.held.splice(0)) fsync.reject(new Error('power cut'));
  }

  /** The folders under the roots as the cut leaves them (the machine is back on). */
  async restore(): Promise<void> {
    if (!this.cutAt) throw new Error('cut() first');
    const durable = this.cutAt;
    const rebuild = async (dir: string) => {
      for (const [name, entry] of durable.get(dir) ?? new Map<string, Entry>()) {
        const path = join(dir, name);
        if (entry.folder) {
          await mkdir(path);
          await rebuild(path);
          continue;
        }
        const bytes = this.contents.get(entry.ino);
        if (!bytes) throw new Error(`power-cut model: no bytes kept for ${path}`);
        await writeFile(path, bytes);
      }
    };
    for (const root of this.roots) {
      await rm(root, { recursive: true, force: true });
      await mkdir(root, { recursive: true });
      await rebuild(root);
    }
  }

  /** Held until `letThrough`; failed at once if the power went while the listing was taken. */
  private waitHeld(dir: string): Promise<void> {
    if (this.cutAt) return Promise.reject(new Error('power cut'));
    return new Promise<void>((resolve, reject) => this.held.push({ dir, resolve, reject }));
  }

  private makeDurable(dir: string, entries: Map<string, Entry>, started: number): void {
    if ((this.durableSince.get(dir) ?? 0) > started) return;
    this.durable.set(dir, entries);
    this.durableSince.set(dir, started);
  }

  private async keepContents(dir: string, entries: Map<string, Entry>): Promise<void> {
    for (const [name, entry] of entries) {
      if (entry.folder) continue;
      const bytes = await readFile(join(dir, name)).catch(() => undefined); // gone meanwhile: its last bytes stay
      if (bytes) this.contents.set(entry.ino, bytes);
    }
  }

  private async walk(dir: string, visit: (dir: string) => Promise<void>): Promise<void> {
    await visit(dir);
    for (const [name, entry] of await listing(dir)) if (entry.folder) await this.walk(join(dir, name), visit);
  }
}

async function listing(dir: string): Promise<Map<string, Entry>> {
  const entries = new Map<string, Entry>();
  for (const name of await readdir(dir).catch(() => [])) {
    const stat = await lstat(join(dir, name)).catch(() => undefined);
    if (stat) entries.set(name, { ino: stat.ino, folder: stat.isDirectory() });
  }
  return entries;
}
