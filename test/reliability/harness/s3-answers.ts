import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { RunningService } from '../../support/service.js';

/** The AWS SDK for JavaScript on `service`, sending each request once: the suites look at every refusal. */
export function clientOf(service: RunningService): S3Client {
  return new S3Client({
    endpoint: service.url,
    region: service.region,
    forcePathStyle: true,
    credentials: { accessKeyId: service.accessKeyId, secretAccessKey: service.secretAccessKey },
    maxAttempts: 1, // a real client retries a 503 (that is the point of SlowDown): here each answer is seen
  });
}

export type PutAnswer = 'ok' | { status?: number; code: string; message: string };

/** A PUT as its client sees it: 'ok', or the S3 error's status, code and message. */
export async function putAnswer(
  client: S3Client,
  bucket: string,
  key: string,
  body: Buffer | string,
): Promise<PutAnswer> {
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    return 'ok';
  } catch (error) {
    if (!(error instanceof S3ServiceException)) throw error;
    return { status: error.$metadata.httpStatusCode, code: error.name, message: error.message };
  }
}
