import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import { MetricsRegistry } from '../metrics/metrics.registry.js';
import { AdminTokenGuard } from './admin-token.guard.js';

/** Prometheus scrape target; same auth as /_admin/sync (a scrape job's `authorization` when ADMIN_TOKEN is set). */
@Controller('_admin/metrics')
@UseGuards(AdminTokenGuard)
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @Get()
  @Header('content-type', MetricsRegistry.contentType)
  @Header('cache-control', 'no-store')
  scrape(): Promise<string> {
    return this.metrics.render();
  }
}
