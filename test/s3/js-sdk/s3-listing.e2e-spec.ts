import {
  GetBucketLocationCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { S3App, startS3App } from './s3-app.harness.js';

describe('S3 buckets and listings through @aws-sdk/client-s3', () => {
  let app: S3App;
  let s3: S3Client;
  let Bucket: string;
  const keys = [
    'asdf+b',
    'foo+1/bar',
    'foo/bar/xyzzy',
    'quux ab/thud',
    ...Array.from({ length: 7 }, (_, i) => `page/${i}`),
  ];

  beforeAll(async () => {
    app = await startS3App();
    s3 = app.client();
    Bucket = app.bucket;
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket, Key, Body: Buffer.from(Key) }));
  });
  afterAll(() => app.close());

  it('ListBuckets names the configured bucket; HeadBucket and GetBucketLocation answer for it', async () => {
    const { Buckets, Owner } = await s3.send(new ListBucketsCommand({}));
    expect(Buckets?.map((b) => b.Name)).toEqual([Bucket]);
    expect(Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
    expect((await s3.send(new HeadBucketCommand({ Bucket }))).$metadata.httpStatusCode).toBe(200);
    expect((await s3.send(new GetBucketLocationCommand({ Bucket }))).LocationConstraint).toBeUndefined();
  });

  it('another bucket does not exist (404), for HEAD and for a listing', async () => {
    const status = async (promise: Promise<unknown>) =>
      promise.then(
        () => 200,
        (e: S3ServiceException) => `${e.$metadata.httpStatusCode} ${e.name}`,
      );
    expect(await status(s3.send(new HeadBucketCommand({ Bucket: 'other-bucket' })))).toBe('404 NotFound');
    expect(await status(s3.send(new ListObjectsV2Command({ Bucket: 'other-bucket' })))).toBe('404 NoSuchBucket');
  });

  it('ListObjectsV2 with a delimiter folds CommonPrefixes and always counts keys', async () => {
    const out = await s3.send(new ListObjectsV2Command({ Bucket, Delimiter: '/' }));
    expect(out.Contents?.map((o) => o.Key)).toEqual(['asdf+b']);
    expect(out.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['foo+1/', 'foo/', 'page/', 'quux ab/']);
    expect(out.KeyCount).toBe(5);
    const first = out.Contents![0];
    expect([first.Size, first.ETag, first.StorageClass, first.LastModified instanceof Date]).toEqual([
      6,
      expect.stringMatching(/^"[0-9a-f]{32}"$/),
      'STANDARD',
      true,
    ]);
    const empty = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'nothing/', MaxKeys: 1 }));
    expect([empty.KeyCount, empty.IsTruncated, empty.Contents]).toEqual([0, false, undefined]);
  });

  it('ListObjectsV2 pages with continuation tokens and start-after', async () => {
    const seen: string[] = [];
    let ContinuationToken: string | undefined;
    let pages = 0;
    do {
      const out = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'page/', MaxKeys: 3, ContinuationToken }));
      seen.push(...(out.Contents ?? []).map((o) => o.Key!));
      expect(out.KeyCount).toBe(out.Contents?.length ?? 0);
      ContinuationToken = out.IsTruncated ? out.NextContinuationToken : undefined;
      pages++;
    } while (ContinuationToken && pages < 10);
    expect(seen).toEqual(keys.filter((k) => k.startsWith('page/')));
    expect(pages).toBe(3);
    const after = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'page/', StartAfter: 'page/4' }));
    expect(after.Contents?.map((o) => o.Key)).toEqual(['page/5', 'page/6']);
  });

  it('ListObjects (v1) pages with markers; NextMarker is given with a delimiter', async () => {
    const seen: string[] = [];
    let Marker: string | undefined;
    for (let page = 0; page < 10; page++) {
      const out = await s3.send(new ListObjectsCommand({ Bucket, Delimiter: '/', MaxKeys: 2, Marker }));
      seen.push(...(out.Contents ?? []).map((o) => o.Key!), ...(out.CommonPrefixes ?? []).map((p) => p.Prefix!));
      if (!out.IsTruncated) break;
      expect(out.NextMarker).toBeDefined();
      Marker = out.NextMarker;
    }
    expect(seen.sort()).toEqual(['asdf+b', 'foo+1/', 'foo/', 'page/', 'quux ab/']);
  });

  it('encoding-type=url percent-encodes names in the answer (ceph test_bucket_list_encoding_basic)', async () => {
    const out = await s3.send(new ListObjectsCommand({ Bucket, Delimiter: '/', EncodingType: 'url', Prefix: '' }));
    expect(out.EncodingType).toBe('url');
    expect(out.Contents?.map((o) => o.Key)).toEqual(['asdf%2Bb']);
    expect(out.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['foo%2B1/', 'foo/', 'page/', 'quux%20ab/']);
  });

  it('caps max-keys at 1000 and accepts max-keys=0', async () => {
    const capped = await s3.send(new ListObjectsV2Command({ Bucket, MaxKeys: 10000 }));
    expect([capped.MaxKeys, capped.KeyCount]).toEqual([1000, keys.length]);
    const none = await s3.send(new ListObjectsV2Command({ Bucket, MaxKeys: 0 }));
    expect([none.KeyCount, none.IsTruncated]).toEqual([0, false]);
  });
});
