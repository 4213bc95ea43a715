import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ProjectsRegistry } from '../projects/projects.registry.js';
import { RemoteHealthProbe } from './remote-health.probe.js';

/**
 * Liveness and readiness for operators and the Docker HEALTHCHECK: one overall status, and each project's storage
 * and remotes. 503 only when a project's storage folder is not writable (then its S3 writes fail); an unreachable
 * Git or DVC remote is reported (`degraded`) but keeps 200, because writes are still accepted and kept pending
 * until the remote is back.
 */
@Controller('_admin')
export class HealthController {
  constructor(
    private readonly projects: ProjectsRegistry,
    private readonly remotes: RemoteHealthProbe,
  ) {}

  @Get('health')
  @HttpCode(200)
  async health(@Res({ passthrough: true }) res: Response) {
    const projects = await Promise.all(
      this.projects.all().map(async (project) => {
        const [storage, remotes] = await Promise.all([project.storage.checkWritable(), this.remotes.check(project)]);
        return { bucket: project.bucket, storage, ...remotes };
      }),
    );
    const storage = projects.find((project) => !project.storage.ok)?.storage ?? { ok: true };
    const remotesOk = projects.every((project) => project.git.ok && project.dvcRemote.ok);
    const status = storage.ok ? (remotesOk ? 'ok' : 'degraded') : 'error';
    res.status(storage.ok ? 200 : 503);
    return { status, storage, projects };
  }
}
