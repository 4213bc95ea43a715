import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createHash } from 'node:crypto';
import { s3Config } from '../../config/configuration.js';
import { S3Error } from '../errors/s3-error.js';
import type { S3Reply } from '../http/s3-reply.js';
import { parseListParams } from '../listing/list-params.js';
import { advanceListing, startListing } from '../listing/listing.js';
import { listBucketsResult, listObjectsResult, locationResult, Owner, versioningResult } from '../xml/s3-documents.js';
import type { ServedBucket, ServedBuckets } from './served-buckets.port.js';

/** ListBuckets, CreateBucket, HeadBucket, GetBucketLocation, GetBucketVersioning, ListObjects (v1, v2). */
@Injectable()
export class BucketOperations {
  /** The buckets are configuration, not state: "created" when the service first answers. */
  private readonly createdAt = new Date();

  constructor(@Inject(s3Config.KEY) private readonly config: ConfigType<typeof s3Config>) {}

  /** Only the buckets the caller's key may use: another project's bucket is not even named. */
  listBuckets(query: Record<string, string>, allowed: readonly string[], owner: Owner): S3Reply {
    // Newer SDKs may filter by prefix; max-buckets and continuation tokens are moot with a handful of buckets.
    const buckets = allowed.filter((name) => name.startsWith(query.prefix ?? ''));
    return { status: 200, xml: listBucketsResult(buckets, this.createdAt, owner, this.config.region) };
  }

  /**
   * rclone and `aws s3 mb` create the bucket first: for one the key may use, AWS's own "already yours" answer (409)
   * is the truth; for another project's, AWS's "taken by someone else" (409 as well).
   */
  createBucket(bucket: string, allowed: readonly string[], served: ServedBuckets): S3Reply {
    if (allowed.includes(bucket)) throw new S3Error('BucketAlreadyOwnedByYou', undefined, { BucketName: bucket });
    if (served.find(bucket)) throw new S3Error('BucketAlreadyExists', undefined, { BucketName: bucket });
    throw new S3Error(
      'NotImplemented',
      'Creating buckets is not supported by this server: it serves the buckets its configuration names (S3_BUCKET, PROJECTS_FILE).',
    );
  }

  headBucket(): S3Reply {
    return { status: 200, headers: { 'x-amz-bucket-region': this.config.region } };
  }

  getBucketLocation(): S3Reply {
    return { status: 200, xml: locationResult(this.config.region) };
  }

  /** Objects here have one version each (`null`): versioning was never enabled. */
  getBucketVersioning(): S3Reply {
    return { status: 200, xml: versioningResult() };
  }

  async listObjects(
    bucket: ServedBucket,
    query: Record<string, string>,
    version: 1 | 2,
    owner: Owner,
  ): Promise<S3Reply> {
    const params = parseListParams(query, version);
    let state = startListing(params);
    while (state.next) state = advanceListing(state, params, await bucket.storage.listObjects(state.next));
    return { status: 200, xml: listObjectsResult(bucket.bucket, params, state, owner) };
  }
}

/** A stable, opaque canonical user id per access key (AWS owners are 64 hex characters), not the key id itself. */
export function ownerOf(accessKeyId: string): Owner {
  const id = createHash('sha256').update(`dvc-sync-s3-api:${accessKeyId}`).digest('hex');
  return { ID: id, DisplayName: 'dvc-sync' };
}
