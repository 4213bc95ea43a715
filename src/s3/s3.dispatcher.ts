import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { s3Config } from '../config/configuration.js';
import { authenticate } from './auth/sigv4-verifier.js';
import { BucketOperations } from './buckets/bucket-operations.service.js';
import { S3CredentialsProvider } from './credentials/s3-credentials.provider.js';
import { S3Error } from './errors/s3-error.js';
import { preflightHeaders } from './http/cors.js';
import type { S3HttpRequest } from './http/s3-http.request.js';
import type { S3Reply } from './http/s3-reply.js';
import { DeleteObjectsOperation } from './objects/delete-objects.operation.js';
import { ObjectOperations } from './objects/object-operations.service.js';
import { assertAcceptableKey } from './routing/object-key.js';
import { operationName, resolveOperation } from './routing/s3-operation.router.js';
import { parseQuery, parseS3Target } from './routing/s3-target.js';

/**
 * One S3 request: target and query from the raw URL, authentication, routing to the operation.
 * Syntax errors of the path (InvalidBucketName, InvalidURI) are answered before authentication: they reveal
 * nothing; whether the bucket exists is only told to an authenticated client.
 */
@Injectable()
export class S3Dispatcher {
  constructor(
    @Inject(s3Config.KEY) private readonly config: ConfigType<typeof s3Config>,
    private readonly credentials: S3CredentialsProvider,
    private readonly buckets: BucketOperations,
    private readonly objects: ObjectOperations,
    private readonly deleteObjects: DeleteObjectsOperation,
  ) {}

  async handle(request: S3HttpRequest): Promise<S3Reply> {
    // A CORS preflight carries no credentials (Fetch standard §3.2.3): it is answered without authentication.
    if (request.method === 'OPTIONS') return { status: 200, headers: preflightHeaders(request.headers) };
    const target = parseS3Target(request.rawPath);
    request.target = target;
    const query = parseQuery(request.rawQuery);
    const route = {
      method: request.method,
      query,
      target,
      hasCopySource: request.headers['x-amz-copy-source'] !== undefined,
      maxObjectSize: this.config.maxObjectSize,
    };
    // Named before authentication so a refused request is recorded under the operation it asked for; a routing
    // error is still answered only to an authenticated client, as below.
    request.operation = operationName(route);
    const auth = authenticate(
      { method: request.method, rawPath: request.rawPath, rawQuery: request.rawQuery, headers: request.headers },
      this.credentials.current(),
      this.config.region,
      new Date(),
    );
    const operation = resolveOperation(route);
    if (operation === 'ListBuckets') return this.buckets.listBuckets(query);
    if (operation === 'CreateBucket') return this.buckets.createBucket(target.bucket!);
    if (target.bucket !== this.config.bucket) {
      throw new S3Error(
        'NoSuchBucket',
        `The specified bucket does not exist: this server serves the bucket '${this.config.bucket}'.`,
        {
          BucketName: target.bucket!,
        },
      );
    }
    if (target.key !== undefined) assertAcceptableKey(target.key);
    const key = target.key!;
    switch (operation) {
      case 'HeadBucket':
        return this.buckets.headBucket();
      case 'GetBucketLocation':
        return this.buckets.getBucketLocation();
      case 'ListObjects':
        return this.buckets.listObjects(query, 1);
      case 'ListObjectsV2':
        return this.buckets.listObjects(query, 2);
      case 'DeleteObjects':
        return this.deleteObjects.run(request, auth);
      case 'GetObject':
        return this.objects.getObject(request, key, query, false);
      case 'HeadObject':
        return this.objects.getObject(request, key, query, true);
      case 'PutObject':
        return this.objects.putObject(request, key, auth);
      case 'CopyObject':
        return this.objects.copyObject(request, key);
      case 'DeleteObject':
        return this.objects.deleteObject(key);
    }
  }
}
