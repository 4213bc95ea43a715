import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { s3Config } from '../../config/configuration.js';
import { ServedBuckets } from '../buckets/served-buckets.port.js';

const HOUR_MS = 60 * 60 * 1000;

/**
 * Removes multipart uploads nobody finished: S3 keeps them (and bills their parts) until a lifecycle rule
 * "AbortIncompleteMultipartUpload" removes them; here that rule is built in, S3_MULTIPART_EXPIRY_HOURS after
 * the upload's last activity (its creation or its latest part). Checked at startup, then every hour at most, in
 * every bucket (one bucket failing does not keep the others from being cleaned).
 */
@Injectable()
export class AbandonedUploadsCleaner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Multipart');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    @Inject(s3Config.KEY) private readonly config: ConfigType<typeof s3Config>,
    private readonly buckets: ServedBuckets,
  ) {}

  onApplicationBootstrap(): void {
    const expiryMs = this.config.multipartExpiryHours * HOUR_MS;
    this.timer = setInterval(() => void this.sweep(), Math.min(HOUR_MS, expiryMs / 4));
    this.timer.unref();
    void this.sweep();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; never throws (a failure is logged and the next pass tries again). */
  sweep(): Promise<void> {
    this.running ??= (async () => {
      const before = new Date(Date.now() - this.config.multipartExpiryHours * HOUR_MS);
      try {
        for (const { bucket, storage } of this.buckets.all()) {
          try {
            const removed = await storage.abortUploadsIdleSince(before);
            if (removed > 0)
              this.logger.log(`removed ${removed} multipart upload(s) idle since ${before.toISOString()}`, { bucket });
          } catch (error) {
            this.logger.warn(`removing abandoned multipart uploads failed: ${(error as Error).message}`, { bucket });
          }
        }
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }
}
