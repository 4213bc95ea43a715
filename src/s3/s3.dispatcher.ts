import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { s3Config } from '../config/configuration.js';
import { authenticate } from './auth/sigv4-verifier.js';
import { BucketOperations, ownerOf } from './buckets/bucket-operations.service.js';
import { ServedBuckets, type ServedBucket } from './buckets/served-buckets.port.js';
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
 * One S3 request: target and query from the raw URL, authentication, the bucket → its project, routing to the
 * operation. Syntax errors of the path (InvalidBucketName, InvalidURI) are answered before authentication: they
 * reveal nothing; whether the bucket exists is only told to an authenticated client, and a bucket is reached only
 * with a key that may use it (a project's own pair: that project only; the global pair: the projects without one).
 */
@Injectable()
export class S3Dispatcher {
  constructor(
    @Inject(s3Config.KEY) private readonly config: ConfigType<typeof s3Config>,
    private readonly credentials: S3CredentialsProvider,
    private readonly served: ServedBuckets,
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
    const keys = this.credentials.keyRing();
    const auth = authenticate(
      { method: request.method, rawPath: request.rawPath, rawQuery: request.rawQuery, headers: request.headers },
      keys.secretOf,
      this.config.region,
      new Date(),
    );
    const allowed = keys.bucketsOf(auth.accessKeyId);
    const owner = ownerOf(auth.accessKeyId);
    // Routed only now: authentication refused any unsigned x-amz-* header (x-amz-copy-source included), so the
    // operation never depends on a header the signer did not sign.
    const operation = this.route(route, allowed);
    if (operation === 'ListBuckets') return this.buckets.listBuckets(query, allowed, owner);
    if (operation === 'CreateBucket') return this.buckets.createBucket(target.bucket!, allowed, this.served);
    const bucket = this.bucketFor(target.bucket!, allowed);
    request.bucket = bucket.bucket;
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
        return this.buckets.listObjects(bucket, query, 1, owner);
      case 'ListObjectsV2':
        return this.buckets.listObjects(bucket, query, 2, owner);
      case 'DeleteObjects':
        return this.deleteObjects.run(bucket, request, auth);
      case 'GetObject':
        return this.objects.getObject(bucket, request, key, query, false);
      case 'HeadObject':
        return this.objects.getObject(bucket, request, key, query, true);
      case 'PutObject':
        return this.objects.putObject(bucket, request, key, auth);
      case 'CopyObject':
        return this.objects.copyObject(bucket, request, key);
      case 'DeleteObject':
        return this.objects.deleteObject(bucket, key);
      case 'CreateMultipartUpload':
        return this.multipart.create(bucket, request, key);
      case 'UploadPart':
        return this.multipart.uploadPart(bucket, request, key, query, auth);
      case 'UploadPartCopy':
        return this.multipart.uploadPartCopy(bucket, request, key, query);
      case 'CompleteMultipartUpload':
        return this.multipart.complete(bucket, request, key, query, auth);
      case 'AbortMultipartUpload':
        return this.multipart.abort(bucket, key, query);
      case 'ListParts':
        return this.multipart.listParts(bucket, key, query, owner);
      case 'ListMultipartUploads':
        return this.multipart.listUploads(bucket, query, owner);
    }
  }

  /**
   * The operation asked for. A request the router cannot serve on a bucket that is not ours is answered
   * NoSuchBucket, as AWS checks the bucket first: a client probing `?acl` on a wrong bucket name learns that the
   * name is wrong, not that the feature is missing.
   */
  private route(
    route: Parameters<typeof resolveOperation>[0],
    allowed: readonly string[],
  ): ReturnType<typeof resolveOperation> {
    try {
      return resolveOperation(route);
    } catch (error) {
      if (route.target.bucket !== undefined) this.bucketFor(route.target.bucket, allowed);
      throw error;
    }
  }

  /**
   * The project behind the bucket, for a key that may use it. A bucket of another project answers AccessDenied
   * (as AWS does for a bucket that exists and is not yours) before anything is read or written.
   */
  private bucketFor(name: string, allowed: readonly string[]): ServedBucket {
    const bucket = this.served.find(name);
    if (!bucket) {
      throw new S3Error(
        'NoSuchBucket',
        `The specified bucket does not exist: this server serves ${bucketList(allowed)}.`,
        { BucketName: name },
      );
    }
    if (!allowed.includes(name)) {
      throw new S3Error('AccessDenied', `This access key may not use the bucket '${name}'.`, { BucketName: name });
    }
    return bucket;
  }
}

/** What an error may tell a caller: only the buckets its own key may use. */
function bucketList(buckets: readonly string[]): string {
  if (buckets.length === 0) return 'no bucket for this access key';
  const quoted = buckets.map((name) => `'${name}'`);
  return buckets.length === 1 ? `the bucket ${quoted[0]}` : `the buckets ${quoted.join(', ')}`;
}
