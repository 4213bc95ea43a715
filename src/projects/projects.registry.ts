import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { projectsConfig, testingConfig } from '../config/configuration.js';
import { ServedBuckets } from '../s3/buckets/served-buckets.port.js';
import { IndexDatabase } from '../storage/index-database.js';
import { ReadyFilesBudget } from '../storage/ready-files.budget.js';
import { FileSystemSyncs } from '../storage/file-system-syncs.js';
import { FlushSlots } from '../sync/flush-slots.gate.js';
import { ProjectRuntime } from './project.runtime.js';

const SYNC_TICK = 'sync-tick';
const TICK_MS = 1_000;

/**
 * Every project this service serves (PROJECTS_FILE, or the environment as the one project), by bucket, and their
 * lifecycle: storages open before the app answers, each project's schedule starts once its branch was read, and
 * on shutdown every project flushes once more (at once, within the slots and the time limit of each), then its
 * storage and databases close after the HTTP server did.
 */
@Injectable()
export class ProjectsRegistry
  extends ServedBuckets
  implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  private readonly logger = new Logger('Projects');
  private readonly projects: readonly ProjectRuntime[];
  private readonly byBucket: ReadonlyMap<string, ProjectRuntime>;

  constructor(
    @Inject(projectsConfig.KEY) config: ConfigType<typeof projectsConfig>,
    @Inject(testingConfig.KEY) testing: ConfigType<typeof testingConfig>,
    private readonly scheduler: SchedulerRegistry,
  ) {
    super();
    const slots = new FlushSlots(config.concurrency);
    const readyFiles = new ReadyFilesBudget();
    const fileSystemSyncs = new FileSystemSyncs();
    // Opened by the first project's storage, closed by the last one's (index-database.ts).
    const index = config.sharedIndexDb === undefined ? undefined : new IndexDatabase(config.sharedIndexDb);
    this.projects = config.projects.map(
      (settings) =>
        new ProjectRuntime(settings, { slots, readyFiles, fileSystemSyncs, index, crashAfter: testing.crashAfter }),
    );
    this.byBucket = new Map(this.projects.map((project) => [project.bucket, project]));
  }

  find(bucket: string): ProjectRuntime | undefined {
    return this.byBucket.get(bucket);
  }

  /** In the order the configuration declares them. */
  all(): readonly ProjectRuntime[] {
    return this.projects;
  }

  async onModuleInit(): Promise<void> {
    await Promise.all(this.projects.map((project) => project.open()));
  }

  async onApplicationBootstrap(): Promise<void> {
    // Staggered: project i of N falls due i/N of its interval earlier, so the schedules spread over the interval.
    await Promise.all(this.projects.map((project, i) => project.start(i / this.projects.length)));
    // One schedule for every project, once each read its branch: each decides for itself whether a flush is due
    // (and runs it in its own flight, within the shared slots).
    const timer = setInterval(() => this.projects.forEach((project) => void project.sync.tick()), TICK_MS);
    timer.unref();
    this.scheduler.addInterval(SYNC_TICK, timer);
    if (this.projects.length > 1)
      this.logger.log(`serving ${this.projects.length} projects: ${[...this.byBucket.keys()].join(', ')}`);
  }

  /** Destroy hooks run while the HTTP server still answers: the final flushes see every acknowledged write. */
  async onModuleDestroy(): Promise<void> {
    if (this.scheduler.doesExist('interval', SYNC_TICK)) this.scheduler.deleteInterval(SYNC_TICK);
    await Promise.all(this.projects.map((project) => project.sync.stop()));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.projects.map((project) => project.close()));
  }
}
