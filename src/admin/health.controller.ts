import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import type { Response } from 'express';
import { StorageBackend } from '../storage/storage.backend.js';
import { RemoteHealthProbe } from './remote-health.probe.js';

/**
 * Liveness and readiness for operators and the Docker HEALTHCHECK. 503 only when the storage folder is not
 * writable (then S3 writes fail); an unreachable Git or DVC remote is reported but keeps 200, because writes
 * are still accepted and kept pending until the remote is back.
 */
@Controller('_admin')
export class HealthController {
  constructor(
    private readonly storage: StorageBackend,
    private readonly remotes: RemoteHealthProbe,
  ) {}

  @Get('health')
  @HttpCode(200)
  async health(@Res({ passthrough: true }) res: Response) {
    const [storage, remotes] = await Promise.all([this.storage.checkWritable(), this.remotes.check()]);
    const status = storage.ok ? (remotes.git.ok && remotes.dvcRemote.ok ? 'ok' : 'degraded') : 'error';
    res.status(storage.ok ? 200 : 503);
    return { status, storage, ...remotes };
  }
}
