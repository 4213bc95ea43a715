import { Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
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

  /**
   * Runs a flush now (or right after the running one) and answers when it is done, with the status; the status
   * page's *Sync now* form (a browser asking for HTML) is sent back to the page instead (POST/redirect/GET).
   */
  @Post()
  @HttpCode(200)
  async flush(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<SyncStatus | void> {
    await this.sync.flushNow().catch(() => undefined); // a failure is in the status (lastError), not a 500
    if (request.accepts(['json', 'html']) === 'html') return response.redirect(303, '/_admin/');
    return this.sync.status();
  }
}
