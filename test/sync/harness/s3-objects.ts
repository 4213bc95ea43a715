import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { RunningService } from '../../support/service.js';

/** Writes through the service's S3 API with the AWS SDK, as any S3 client (Label Studio included) does. */
export class S3Objects {
  private readonly client: S3Client;

  constructor(private readonly service: RunningService) {
    this.client = new S3Client({
      endpoint: service.url,
      region: service.region,
      forcePathStyle: true,
      credentials: { accessKeyId: service.accessKeyId, secretAccessKey: service.secretAccessKey },
    });
  }

  /** Resolves once the service acknowledged the write (200 + ETag). */
  async put(key: string, body: string | Buffer): Promise<void> {
    const answer = await this.client.send(new PutObjectCommand({ Bucket: this.service.bucket, Key: key, Body: body }));
    if (!answer.ETag) throw new Error(`PUT ${key}: no ETag in the answer`);
  }

  async putAll(objects: Record<string, string | Buffer>): Promise<void> {
    for (const [key, body] of Object.entries(objects)) await this.put(key, body);
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.service.bucket, Key: key }));
  }

  close(): void {
    this.client.destroy();
  }
}
