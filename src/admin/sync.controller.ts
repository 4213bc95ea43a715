import { Controller, Get, HttpCode, NotFoundException, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ProjectsRegistry } from '../projects/projects.registry.js';
import type { ProjectRuntime } from '../projects/project.runtime.js';
import type { FlushedStatus, SyncStatus } from '../sync/sync-status.types.js';
import { AdminTokenGuard } from './admin-token.guard.js';

/** Every project's sync status, or one project's with `?bucket=NAME`; and flushes of all projects, or of one. */
@Controller('_admin/sync')
@UseGuards(AdminTokenGuard)
export class SyncController {
  constructor(private readonly projects: ProjectsRegistry) {}

  @Get()
  async status(@Query('bucket') bucket?: string): Promise<{ projects: SyncStatus[] }> {
    return { projects: await Promise.all(this.select(bucket).map((project) => project.sync.status())) };
  }

  /**
   * Flushes every project (or the one named) now, or right after its running flush, and answers when all are done,
   * with each project's status and outcome: projects flush at once, within SYNC_CONCURRENCY, and a failing one
   * never holds back the answer of the others beyond its own flush. The status page's *Sync now* form (a browser
   * asking for HTML) is sent back to the page instead (POST/redirect/GET).
   */
  @Post()
  @HttpCode(200)
  async flush(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @Query('bucket') bucket?: string,
  ): Promise<{ projects: FlushedStatus[] } | void> {
    const selected = this.select(bucket);
    const outcomes = await Promise.all(
      selected.map((project) =>
        project.sync.flushNow().then(
          () => 'flushed' as const,
          () => 'failed' as const, // the reason is in the status (lastError), not a 500
        ),
      ),
    );
    if (request.accepts(['json', 'html']) === 'html') return response.redirect(303, '/_admin/');
    const statuses = await Promise.all(selected.map((project) => project.sync.status()));
    return { projects: statuses.map((status, i) => ({ ...status, outcome: outcomes[i] })) };
  }

  private select(bucket: string | undefined): readonly ProjectRuntime[] {
    if (bucket === undefined) return this.projects.all();
    const project = this.projects.find(bucket);
    if (!project) throw new NotFoundException(`No project serves the bucket '${bucket}'.`);
    return [project];
  }
}
