import { Injectable } from '@nestjs/common';
import { MinuteWindow, type MinuteStats } from './minute.window.js';

/** How many minutes of PUTs the status page shows. */
export const PUT_WINDOW_MINUTES = 15;

/**
 * PutObject requests of the last minutes per bucket (rate, failures, latency), fed by S3RequestMetrics, read by the
 * status page. Only served buckets get a window (the recorder names a bucket once the request reached one).
 */
@Injectable()
export class PutRequestWindow {
  private readonly windows = new Map<string, MinuteWindow>();

  record(bucket: string, durationSeconds: number, status: number): void {
    let window = this.windows.get(bucket);
    if (!window) this.windows.set(bucket, (window = new MinuteWindow(PUT_WINDOW_MINUTES)));
    window.record(Date.now(), durationSeconds * 1000, status >= 400);
  }

  minutes(bucket: string): MinuteStats[] {
    return (this.windows.get(bucket) ?? new MinuteWindow(PUT_WINDOW_MINUTES)).minutes(Date.now());
  }
}
