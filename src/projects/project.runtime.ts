import { crashCheckpoint } from '../common/crash.checkpoint.js';
import { makeDirsSync } from '../common/make-dirs.js';
import type { CrashStep } from '../config/crash-steps.js';
import type { ProjectSettings, S3KeyPair } from '../config/project.settings.js';
import { DatasetService } from '../dataset/dataset.service.js';
import { DvcRemoteFactory } from '../dvc/dvc-remote.factory.js';
import { createGitRemote } from '../git/git-remote.factory.js';
import type { GitRemote } from '../git/git.remote.js';
import type { ServedBucket } from '../s3/buckets/served-buckets.port.js';
import type { IndexDatabase } from '../storage/index-database.js';
import { LocalStorageBackend } from '../storage/local-storage.backend.js';
import type { ReadyFilesBudget } from '../storage/ready-files.budget.js';
import type { FileSystemSyncs } from '../storage/file-system-syncs.js';
import { STORAGE_DIR_MODE } from '../storage/storage-layout.js';
import type { FlushSlots } from '../sync/flush-slots.gate.js';
import { createFlushPipeline } from '../sync/flush-pipeline.factory.js';
import type { FlushPipeline } from '../sync/flush.pipeline.js';
import { SyncLoop } from '../sync/sync.loop.js';
import { SyncStateStore } from '../sync/sync-state.store.js';

/**
 * What every project shares: the flush slots (SYNC_CONCURRENCY), the budget of temp files made ahead, the syncfs(2)
 * calls that make small puts durable, the storage index database (with PROJECTS_FILE) and the crash tests' fault
 * injection.
 */
export interface RuntimeOptions {
  slots: FlushSlots;
  /** The descriptors every bucket's temp files made ahead may hold together. */
  readyFiles: ReadyFilesBudget;
  /** One syncfs(2) per file system per window for every bucket on it. */
  fileSystemSyncs: FileSystemSyncs;
  index?: IndexDatabase;
  crashAfter?: CrashStep;
}

/**
 * One project's parts, each its own and built from its settings with plain constructors: the storage of its
 * bucket, its sync state, its Git remote, its DVC remotes, its dataset, its pipeline and its sync loop. Nothing
 * here is shared with another project but the flush slots and the index database (where each bucket has tables of
 * its own: concurrent PUTs to many buckets share its commits and fsyncs), so one project's broken remote, bad
 * token or conflict stays its own.
 *
 * Building is cheap (no network, no scan): the storage opens in `open`, the remotes are reached in `start`.
 */
export class ProjectRuntime implements ServedBucket {
  readonly bucket: string;
  readonly keys: S3KeyPair | undefined;
  readonly storage: LocalStorageBackend;
  readonly state: SyncStateStore;
  readonly git: GitRemote;
  readonly dvcRemotes: DvcRemoteFactory;
  readonly dataset: DatasetService;
  readonly pipeline: FlushPipeline;
  readonly sync: SyncLoop;

  constructor(
    readonly settings: ProjectSettings,
    options: RuntimeOptions,
  ) {
    this.bucket = settings.bucket;
    this.keys = settings.keys;
    // A project's folder is closed to other users like DATA_DIR itself (it holds its dataset and repository).
    makeDirsSync(settings.dataDir, STORAGE_DIR_MODE);
    this.storage = new LocalStorageBackend({
      dataDir: settings.dataDir,
      shared: options.index && { database: options.index, bucket: settings.bucket },
      readyFiles: options.readyFiles,
      fileSystemSyncs: options.fileSystemSyncs,
    });
    this.state = new SyncStateStore({ dataDir: settings.dataDir });
    const checkpoint = crashCheckpoint(options.crashAfter);
    this.git = createGitRemote(settings.git, { dataDir: settings.dataDir }, checkpoint);
    this.dvcRemotes = new DvcRemoteFactory(settings.dvc);
    this.dataset = new DatasetService(settings.dvc);
    this.pipeline = createFlushPipeline({
      storage: this.storage,
      state: this.state,
      git: this.git,
      remotes: this.dvcRemotes,
      dataset: this.dataset,
      checkpoint,
    });
    this.sync = new SyncLoop({
      bucket: this.bucket,
      settings: settings.sync,
      storage: this.storage,
      state: this.state,
      pipeline: this.pipeline,
      slots: options.slots,
    });
  }

  /** Opens the storage: its database, and the recovery of what an interrupted run left. */
  open(): Promise<void> {
    return this.storage.onModuleInit();
  }

  /** Reads the branch (settings that cannot work stop the service) and starts the schedule (`phase`: SyncLoop.start). */
  async start(phase = 0): Promise<void> {
    await this.sync.checkTarget();
    this.sync.start(phase);
  }

  /** After the HTTP server closed: lets the writes in progress finish, then closes the databases and remotes. */
  async close(): Promise<void> {
    await this.storage.onApplicationShutdown();
    this.state.close();
    this.dvcRemotes.close();
  }
}
