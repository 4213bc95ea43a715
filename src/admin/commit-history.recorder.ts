import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ProjectsRegistry } from '../projects/projects.registry.js';

/** Keeps each project's last commits for the status page, from its SyncLoop.events (every flush, whoever started it). */
@Injectable()
export class CommitHistoryRecorder implements OnModuleInit {
  private readonly logger = new Logger('StatusPage');

  constructor(private readonly projects: ProjectsRegistry) {}

  onModuleInit(): void {
    for (const { bucket, sync, state } of this.projects.all()) {
      sync.events.on('flushed', (summary) => {
        // Listeners run inside the flush, which has already pushed: a history line is not worth failing it.
        try {
          state.recordCommit(summary);
        } catch (error) {
          this.logger.warn(`commit ${summary.commit} not kept in the history: ${(error as Error).message}`, { bucket });
        }
      });
    }
  }
}
