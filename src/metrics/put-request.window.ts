import { Injectable } from '@nestjs/common';
import { MinuteWindow, type MinuteStats } from './minute.window.js';

/** How many minutes of PUTs the status page shows. */
export const PUT_WINDOW_MINUTES = 15;

/** PutObject requests of the last minutes (rate, failures, latency), fed by S3RequestMetrics, read by the status page. */
@Injectable()
export class PutRequestWindow {
  private readonly window = new MinuteWindow(PUT_WINDOW_MINUTES);

  record(durationSeconds: number, status: number): void {
    this.window.record(Date.now(), durationSeconds * 1000, status >= 400);
  }

  minutes(): MinuteStats[] {
    return this.window.minutes(Date.now());
  }
}
