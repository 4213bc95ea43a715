import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import type { S3RequestRecord, S3RequestRecorder } from '../s3/http/s3-request.recorder.js';
import { operationLabel } from './metric-labels.js';
import { MetricsRegistry } from './metrics.registry.js';
import { PutRequestWindow } from './put-request.window.js';

/** 1 ms (a HEAD from the page cache) to 10 s (a large PUT on a slow disk or link). */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The S3 layer's requests, recorded through its S3RequestRecorder seam. Labels come from a closed set
 * (operation names, status codes of the error table): never a key, a header or anything a client chose.
 */
@Injectable()
export class S3RequestMetrics implements S3RequestRecorder {
  private readonly requests: Counter<'operation' | 'status'>;
  private readonly duration: Histogram<'operation'>;
  private readonly putBytes: Counter;

  constructor(
    metrics: MetricsRegistry,
    private readonly puts: PutRequestWindow,
  ) {
    const registers = [metrics.registry];
    this.requests = new Counter({
      name: 'dvc_sync_s3_requests_total',
      help: 'S3 requests answered, by operation (AWS name; Unknown when none was named) and HTTP status.',
      labelNames: ['operation', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'dvc_sync_s3_request_duration_seconds',
      help: 'S3 request duration, from arrival to the last byte of the answer, by operation.',
      labelNames: ['operation'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.putBytes = new Counter({
      name: 'dvc_sync_s3_put_object_received_bytes_total',
      help: 'Request body bytes received by PutObject, as sent on the wire (aws-chunked framing included).',
      registers,
    });
  }

  record(request: S3RequestRecord): void {
    const operation = operationLabel(request.operation);
    this.requests.inc({ operation, status: String(request.status) });
    this.duration.observe({ operation }, request.durationSeconds);
    if (request.operation === 'PutObject') {
      this.putBytes.inc(request.bodyBytes);
      this.puts.record(request.durationSeconds, request.status);
    }
  }
}
