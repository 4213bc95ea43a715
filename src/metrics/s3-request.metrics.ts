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
 * (operation names, status codes of the error table, the served buckets — empty before a request reached one):
 * never a key, a header or anything a client chose.
 */
@Injectable()
export class S3RequestMetrics implements S3RequestRecorder {
  private readonly requests: Counter<'bucket' | 'operation' | 'status'>;
  private readonly duration: Histogram<'bucket' | 'operation'>;
  private readonly putBytes: Counter<'bucket'>;

  constructor(
    metrics: MetricsRegistry,
    private readonly puts: PutRequestWindow,
  ) {
    const registers = [metrics.registry];
    this.requests = new Counter({
      name: 'dvc_sync_s3_requests_total',
      help: 'S3 requests answered, by bucket (empty when none was reached), operation (AWS name; Unknown when none was named) and HTTP status.',
      labelNames: ['bucket', 'operation', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'dvc_sync_s3_request_duration_seconds',
      help: 'S3 request duration, from arrival to the last byte of the answer, by bucket and operation.',
      labelNames: ['bucket', 'operation'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.putBytes = new Counter({
      name: 'dvc_sync_s3_put_object_received_bytes_total',
      help: 'Request body bytes received by PutObject, as sent on the wire (aws-chunked framing included), by bucket.',
      labelNames: ['bucket'],
      registers,
    });
  }

  record(request: S3RequestRecord): void {
    const operation = operationLabel(request.operation);
    const bucket = request.bucket ?? '';
    this.requests.inc({ bucket, operation, status: String(request.status) });
    this.duration.observe({ bucket, operation }, request.durationSeconds);
    if (request.operation === 'PutObject' && request.bucket !== undefined) {
      this.putBytes.inc({ bucket }, request.bodyBytes);
      this.puts.record(request.bucket, request.durationSeconds, request.status);
    }
  }
}
