import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { SyncStateStore } from '../sync/sync-state.store.js';
import { SyncService } from '../sync/sync.service.js';

/** Keeps the last commits for the status page, from SyncService.events (every flush, whoever started it). */
@Injectable()
export class CommitHistoryRecorder implements OnModuleInit {
  private readonly logger = new Logger('StatusPage');

  constructor(
    private readonly sync: SyncService,
    private readonly state: SyncStateStore,
  ) {}

  onModuleInit(): void {
    this.sync.events.on('flushed', (summary) => {
      // Listeners run inside the flush, which has already pushed: a history line is not worth failing it.
      try {
        this.state.recordCommit(summary);
      } catch (error) {
        this.logger.warn(`commit ${summary.commit} not kept in the history: ${(error as Error).message}`);
      }
    });
  }
}
