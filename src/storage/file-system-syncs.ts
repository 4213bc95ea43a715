import { stat } from 'node:fs/promises';
import { canSyncFileSystem, syncFileSystem } from '../common/sync-file-system.js';
import { SharedFsync } from './shared-fsync.js';
import { SyncWindow } from './sync-window.js';

/**
 * How long a whole-file-system sync waits for more answered puts to share it. syncfs(2) writes back every dirty page
 * of the file system and commits ext4's journal with a device cache flush, however many files it covers; each such
 * commit is one more that the WAL's fdatasync, which every PUT's answer waits for, may queue behind. No answer waits
 * for the syncfs itself: a later write of the same key does (local-storage.backend.ts `settle`), and the startup
 * recovery writes the file from its intent if power is cut meanwhile. One at a time, against 2 ms: 5 ms gave 1.10×
 * the PUTs per second, 10 ms 1.22× of 5 ms at 8 clients, 25 ms no more; the final A/B against 2 ms with overlapping
 * syncs, 1.13× at 8 clients and 0.89× the CPU per PUT (bench/results/put-path-16-syncfs-window.md).
 */
const FILE_SYSTEM_SYNC_WINDOW_MS = 10;

/**
 * The syncfs(2) calls that make small puts' files and folders durable after their answer (local-storage.backend.ts
 * `settle`): one per file system per window, shared by every bucket whose folder is on it (one instance per
 * process: ProjectsRegistry), so that ten projects under load flush their disk once per window, not ten times. One
 * runs at a time per file system: a window that closes while the last syncfs still runs (a slow disk, a flush's
 * writes) waits for it and then shares the next one, so that syncs never pile up on a disk that is slow already.
 */
export class FileSystemSyncs {
  private readonly windows: SyncWindow;
  /** Per file system (its device number), a folder on it to open for syncfs(2). */
  private readonly folders = new Map<number, string>();

  /**
   * `sync` is syncfs(2) (sync-file-system.ts) unless a spec models a power cut at this seam; `available` says whether
   * it can be called here.
   */
  constructor(
    private readonly sync: (path: string) => Promise<boolean> = syncFileSystem,
    private readonly available: () => boolean = canSyncFileSystem,
    windowMs = FILE_SYSTEM_SYNC_WINDOW_MS,
  ) {
    const oneAtATime = new SharedFsync((device) => this.run(Number(device)));
    this.windows = new SyncWindow(windowMs, (device) => oneAtATime.sync(device));
  }

  /**
   * The file system holding `folder`; undefined where syncfs(2) cannot be called (the caller then fsyncs file by file
   * and folder by folder). Nothing is synced here: a syncfs at startup would wait for everything other programs (or
   * the previous run's last flush) left dirty on that file system, and a restart with nothing to recover needs none.
   */
  async register(folder: string): Promise<number | undefined> {
    if (!this.available()) return undefined;
    const { dev } = await stat(folder);
    if (!this.folders.has(dev)) this.folders.set(dev, folder);
    return dev;
  }

  /** Resolves once a syncfs(2) of `device` that started after this call ended: what was written before is durable. */
  join(device: number): Promise<void> {
    return this.windows.join(String(device));
  }

  private async run(device: number): Promise<void> {
    if (!(await this.sync(this.folders.get(device)!))) throw new Error('syncfs(2) is no longer available');
  }
}
