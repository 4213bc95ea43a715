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
import { Interval } from '@nestjs/schedule';
import { projectsConfig, testingConfig } from '../config/configuration.js';
import { ServedBuckets } from '../s3/buckets/served-buckets.port.js';
import { FlushSlots } from '../sync/flush-slots.gate.js';
import { ProjectRuntime } from './project.runtime.js';

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
  /** Set once every project read its branch: only then does the schedule look at them. */
  private started = false;

  constructor(
    @Inject(projectsConfig.KEY) config: ConfigType<typeof projectsConfig>,
    @Inject(testingConfig.KEY) testing: ConfigType<typeof testingConfig>,
  ) {
    super();
    const slots = new FlushSlots(config.concurrency);
    this.projects = config.projects.map(
      (settings) => new ProjectRuntime(settings, { slots, crashAfter: testing.crashAfter }),
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
    await Promise.all(this.projects.map((project) => project.start()));
    this.started = true;
    if (this.projects.length > 1)
      this.logger.log(`serving ${this.projects.length} projects: ${[...this.byBucket.keys()].join(', ')}`);
  }

  /** The schedule of every project: each decides for itself whether a flush is due (and runs it in its own flight). */
  @Interval('sync-tick', 1_000)
  tick(): void {
    if (!this.started) return;
    for (const project of this.projects) void project.sync.tick();
  }

  /** Destroy hooks run while the HTTP server still answers: the final flushes see every acknowledged write. */
  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.projects.map((project) => project.sync.stop()));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.projects.map((project) => project.close()));
  }
}
