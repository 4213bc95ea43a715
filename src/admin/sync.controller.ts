import { Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { SyncService } from '../sync/sync.service.js';
import type { SyncStatus } from '../sync/sync-status.types.js';
import { AdminTokenGuard } from './admin-token.guard.js';

@Controller('_admin/sync')
@UseGuards(AdminTokenGuard)
export class SyncController {
  constructor(private readonly sync: SyncService) {}

  @Get()
  status(): Promise<SyncStatus> {
    return this.sync.status();
  }

  /** Runs a flush now (or right after the running one) and answers when it is done, with the status. */
  @Post()
  @HttpCode(200)
  async flush(): Promise<SyncStatus> {
    await this.sync.flushNow().catch(() => undefined); // a failure is in the status (lastError), not a 500
    return this.sync.status();
  }
}
