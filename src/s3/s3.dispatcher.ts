import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { s3Config } from '../config/configuration.js';
import { authenticate } from './auth/sigv4-verifier.js';
import { BucketOperations } from './buckets/bucket-operations.service.js';
import { S3CredentialsProvider } from './credentials/s3-credentials.provider.js';
import { S3Error } from './errors/s3-error.js';
import { preflightHeaders } from './http/cors.js';
import { assertSupportedTransferCoding } from './http/transfer-coding.js';
import type { S3HttpRequest } from './http/s3-http.request.js';
import type { S3Reply } from './http/s3-reply.js';
import { MultipartOperations } from './multipart/multipart-operations.service.js';
import { DeleteObjectsOperation } from './objects/delete-objects.operation.js';
import { ObjectOperations } from './objects/object-operations.service.js';
import { assertAcceptableKey, assertWritableKey } from './routing/object-key.js';
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
    private readonly multipart: MultipartOperations,
  ) {}

  async handle(request: S3HttpRequest): Promise<S3Reply> {
    // A CORS preflight carries no credentials (Fetch standard §3.2.3): it is answered without authentication.
    if (request.method === 'OPTIONS') return { status: 200, headers: preflightHeaders(request.headers) };
    assertSupportedTransferCoding(request.headers['transfer-encoding']);
    const target = parseS3Target(request.rawPath);
    request.target = target;
    const query = parseQuery(request.rawQuery);
    const route = {
      method: request.method,
      query,
      target,
      hasCopySource: request.headers['x-amz-copy-source'] !== undefined,
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
    // Routed only now: authentication refused any unsigned x-amz-* header (x-amz-copy-source included), so the
    // operation never depends on a header the signer did not sign.
    const operation = this.route(route);
    if (operation === 'ListBuckets') return this.buckets.listBuckets(query);
    if (operation === 'CreateBucket') return this.buckets.createBucket(target.bucket!);
    this.assertOurBucket(target.bucket!);
    if (target.key !== undefined) {
      if (operation === 'PutObject' || operation === 'CopyObject') assertWritableKey(target.key);
      else assertAcceptableKey(target.key);
    }
    const key = target.key!;
    switch (operation) {
      case 'HeadBucket':
        return this.buckets.headBucket();
      case 'GetBucketLocation':
        return this.buckets.getBucketLocation();
      case 'GetBucketVersioning':
        return this.buckets.getBucketVersioning();
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
      case 'CreateMultipartUpload':
        return this.multipart.create(request, key);
      case 'UploadPart':
        return this.multipart.uploadPart(request, key, query, auth);
      case 'UploadPartCopy':
        return this.multipart.uploadPartCopy(request, key, query);
      case 'CompleteMultipartUpload':
        return this.multipart.complete(request, key, query, auth);
      case 'AbortMultipartUpload':
        return this.multipart.abort(key, query);
      case 'ListParts':
        return this.multipart.listParts(key, query);
      case 'ListMultipartUploads':
        return this.multipart.listUploads(query);
    }
  }

  /**
   * The operation asked for. A request the router cannot serve on a bucket that is not ours is answered
   * NoSuchBucket, as AWS checks the bucket first: a client probing `?acl` on a wrong bucket name learns that the
   * name is wrong, not that the feature is missing.
   */
  private route(route: Parameters<typeof resolveOperation>[0]): ReturnType<typeof resolveOperation> {
    try {
      return resolveOperation(route);
    } catch (error) {
      if (route.target.bucket !== undefined) this.assertOurBucket(route.target.bucket);
      throw error;
    }
  }

  private assertOurBucket(bucket: string): void {
    if (bucket === this.config.bucket) return;
    throw new S3Error(
      'NoSuchBucket',
      `The specified bucket does not exist: this server serves the bucket '${this.config.bucket}'.`,
      { BucketName: bucket },
    );
  }
}
