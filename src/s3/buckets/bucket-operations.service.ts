import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createHash } from 'node:crypto';
import { s3Config } from '../../config/configuration.js';
import { StorageBackend } from '../../storage/storage.backend.js';
import { S3CredentialsProvider } from '../credentials/s3-credentials.provider.js';
import { S3Error } from '../errors/s3-error.js';
import type { S3Reply } from '../http/s3-reply.js';
import { parseListParams } from '../listing/list-params.js';
import { advanceListing, startListing } from '../listing/listing.js';
import { listBucketsResult, listObjectsResult, locationResult, Owner, versioningResult } from '../xml/s3-documents.js';

/** ListBuckets, CreateBucket, HeadBucket, GetBucketLocation, GetBucketVersioning, ListObjects (v1, v2) of the one configured bucket. */
@Injectable()
export class BucketOperations {
  /** The bucket is configuration, not state: "created" when the service first answers. */
  private readonly createdAt = new Date();

  constructor(
    @Inject(s3Config.KEY) private readonly config: ConfigType<typeof s3Config>,
    private readonly storage: StorageBackend,
    private readonly credentials: S3CredentialsProvider,
  ) {}

  listBuckets(query: Record<string, string>): S3Reply {
    // Newer SDKs may filter by prefix; max-buckets and continuation tokens are moot with one bucket.
    const buckets = [this.config.bucket].filter((name) => name.startsWith(query.prefix ?? ''));
    return { status: 200, xml: listBucketsResult(buckets, this.createdAt, this.owner(), this.config.region) };
  }

  /** rclone and `aws s3 mb` create the bucket first: for ours, AWS's own "already yours" answer (409) is the truth. */
  createBucket(bucket: string): S3Reply {
    if (bucket === this.config.bucket) throw new S3Error('BucketAlreadyOwnedByYou', undefined, { BucketName: bucket });
    throw new S3Error(
      'NotImplemented',
      `Creating buckets is not supported by this server: it serves the one bucket '${this.config.bucket}' (S3_BUCKET).`,
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

  async listObjects(query: Record<string, string>, version: 1 | 2): Promise<S3Reply> {
    const params = parseListParams(query, version);
    let state = startListing(params);
    while (state.next) state = advanceListing(state, params, await this.storage.listObjects(state.next));
    return { status: 200, xml: listObjectsResult(this.config.bucket, params, state, this.owner()) };
  }

  /** A stable, opaque canonical user id (AWS owners are 64 hex characters), not the key id itself. */
  owner(): Owner {
    const id = createHash('sha256').update(`dvc-sync-s3-api:${this.credentials.current().accessKeyId}`).digest('hex');
    return { ID: id, DisplayName: 'dvc-sync' };
  }
}
