import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, prometheusContentType, Registry } from 'prom-client';

/**
 * This app's metrics. A Registry of its own, not prom-client's global one: two apps in one process (tests)
 * neither clash on metric names nor count each other's requests. The default process metrics keep their
 * standard names (process_*, nodejs_*, no dvc_sync_ prefix), which ready-made Node.js dashboards expect.
 */
@Injectable()
export class MetricsRegistry {
  /** Prometheus text exposition format 0.0.4. */
  static readonly contentType = prometheusContentType;
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Every metric, collected now (gauges read their source on each scrape). */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
