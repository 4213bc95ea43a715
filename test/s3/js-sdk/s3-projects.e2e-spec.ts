import {
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sigV2Signature, sigV2StringToSign } from '../../../src/s3/auth/sigv2-query.verifier.js';
import { presignedUrl, rawRequest, startS3App, xmlText, type S3App } from './s3-app.harness.js';

// One service, three projects: `sentiment` and `ner` with their own key pairs, `shared` on the global pair.
// A key is accepted only on the buckets it may use; everywhere else the answer is 403 AccessDenied (S3 XML) and
// nothing is read or written. Each bucket's objects live in its own project folder.

const SENTIMENT = { accessKeyId: 'AKSENTIMENT0001', secretAccessKey: 'sentiment-secret-0001' };
const NER = { accessKeyId: 'AKNER0000000001', secretAccessKey: 'ner-secret-00000001' };

describe('S3 isolation between projects', () => {
  let app: S3App;
  const clients: S3Client[] = [];
  const client = (credentials?: { accessKeyId: string; secretAccessKey: string }) => {
    const made = app.client(credentials ? { credentials } : {});
    clients.push(made);
    return made;
  };
  const global = () => ({ accessKeyId: app.accessKeyId, secretAccessKey: app.secretAccessKey });
  const refusal = async (sending: Promise<unknown>) => {
    const error = await sending.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    if (!(error instanceof S3ServiceException)) throw new Error(`expected an S3 error, got ${String(error)}`);
    return `${error.$metadata.httpStatusCode} ${error.name}`;
  };
  const objectsOn = (bucket: string) => readdirSync(join(app.dataDir, 'projects', bucket, 'objects'));

  beforeAll(async () => {
    app = await startS3App(
      {},
      { projects: [{ bucket: 'sentiment', keys: SENTIMENT }, { bucket: 'ner', keys: NER }, { bucket: 'shared' }] },
    );
    await client(SENTIMENT).send(new PutObjectCommand({ Bucket: 'sentiment', Key: 'ann/1', Body: 'sentiment 1' }));
    await client(NER).send(new PutObjectCommand({ Bucket: 'ner', Key: 'ann/1', Body: 'ner 1' }));
    await client().send(new PutObjectCommand({ Bucket: 'shared', Key: 'ann/1', Body: 'shared 1' }));
  });
  afterAll(async () => {
    for (const made of clients) made.destroy();
    await app.close();
  });

  it("keeps each bucket's objects in its own project folder", () => {
    for (const bucket of ['sentiment', 'ner', 'shared']) expect(objectsOn(bucket)).toEqual(['ann']);
    expect(existsSync(join(app.dataDir, 'objects'))).toBe(false);
  });

  it.each([
    ['the sentiment key', () => SENTIMENT, ['sentiment']],
    ['the ner key', () => NER, ['ner']],
    ['the global key', () => global(), ['shared']],
  ])('ListBuckets with %s lists only the buckets it may use', async (_, credentials, buckets) => {
    const listed = await client(credentials()).send(new ListBucketsCommand({}));
    expect(listed.Buckets?.map((bucket) => bucket.Name)).toEqual(buckets);
  });

  it.each([
    ['the sentiment key on ner', () => SENTIMENT, 'ner'],
    ['the ner key on sentiment', () => NER, 'sentiment'],
    ['the global key on sentiment (it has its own pair)', () => global(), 'sentiment'],
    ['the sentiment key on shared', () => SENTIMENT, 'shared'],
  ])(
    'refuses %s: PUT, GET, LIST, multipart, DeleteObjects → 403 AccessDenied, nothing written',
    async (_, credentials, bucket) => {
      const s3 = client(credentials());
      const before = objectsOn(bucket);
      expect(await refusal(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'intruder', Body: 'x' })))).toBe(
        '403 AccessDenied',
      );
      expect(await refusal(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'ann/1' })))).toBe('403 AccessDenied');
      expect(await refusal(s3.send(new ListObjectsV2Command({ Bucket: bucket })))).toBe('403 AccessDenied');
      expect(await refusal(s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'big' })))).toBe(
        '403 AccessDenied',
      );
      expect(
        await refusal(s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'ann/1' }] } }))),
      ).toBe('403 AccessDenied');
      expect(objectsOn(bucket)).toEqual(before);
      const owner = bucket === 'shared' ? global() : bucket === 'ner' ? NER : SENTIMENT;
      const kept = await client(owner).send(new GetObjectCommand({ Bucket: bucket, Key: 'ann/1' }));
      expect(await kept.Body!.transformToString()).toBe(`${bucket} 1`);
    },
  );

  it('answers an S3 XML error naming the bucket, and an unknown bucket NoSuchBucket without listing the others', async () => {
    const denied = await rawRequest(app, { method: 'PUT', path: '/ner/raw', body: Buffer.from('x'), sign: SENTIMENT });
    expect(denied.status).toBe(403);
    expect(xmlText(denied.body, 'Code')).toBe('AccessDenied');
    expect(xmlText(denied.body, 'BucketName')).toBe('ner');
    const unknown = await rawRequest(app, { method: 'GET', path: '/nothing-here', sign: SENTIMENT });
    expect(unknown.status).toBe(404);
    expect(xmlText(unknown.body, 'Code')).toBe('NoSuchBucket');
    expect(unknown.body.toString()).toContain("'sentiment'");
    expect(unknown.body.toString()).not.toMatch(/ner|shared/);
  });

  it('refuses an access key id no project has (InvalidAccessKeyId)', async () => {
    const stranger = { accessKeyId: 'AKSTRANGER00001', secretAccessKey: 'stranger-secret-1' };
    expect(await refusal(client(stranger).send(new ListBucketsCommand({})))).toBe('403 InvalidAccessKeyId');
  });

  it('follows the same rule for presigned URLs, SigV4 and SigV2', async () => {
    const own = await presignedUrl(app, '/sentiment/ann/1', {}, 60, SENTIMENT);
    expect((await rawRequest(app, { method: 'GET', path: own, sign: false })).body.toString()).toBe('sentiment 1');
    const foreign = await presignedUrl(app, '/ner/ann/1', {}, 60, SENTIMENT);
    const refused = await rawRequest(app, { method: 'GET', path: foreign, sign: false });
    expect([refused.status, xmlText(refused.body, 'Code')]).toEqual([403, 'AccessDenied']);

    const sigV2 = (path: string, keys: typeof SENTIMENT) => {
      const expires = String(Math.floor(Date.now() / 1000) + 60);
      const toSign = sigV2StringToSign({
        method: 'GET',
        contentMd5: '',
        contentType: '',
        expires,
        amzHeaders: [],
        rawPath: path,
        query: [],
      });
      const signature = encodeURIComponent(sigV2Signature(keys.secretAccessKey, toSign));
      return `${path}?AWSAccessKeyId=${keys.accessKeyId}&Expires=${expires}&Signature=${signature}`;
    };
    // Fetched as a browser would: no header but what fetch itself sends (a SigV2 URL signs every x-amz-* header).
    const v2own = await fetch(`${app.endpoint}${sigV2('/ner/ann/1', NER)}`);
    expect([v2own.status, await v2own.text()]).toEqual([200, 'ner 1']);
    const v2foreign = await fetch(`${app.endpoint}${sigV2('/ner/ann/1', SENTIMENT)}`);
    expect([v2foreign.status, xmlText(Buffer.from(await v2foreign.arrayBuffer()), 'Code')]).toEqual([
      403,
      'AccessDenied',
    ]);
  });

  it('copies within a bucket only: a source in another project is refused and nothing is copied', async () => {
    const s3 = client(SENTIMENT);
    const copied = await rawRequest(app, {
      method: 'PUT',
      path: '/sentiment/stolen',
      headers: { 'x-amz-copy-source': '/ner/ann/1' },
      sign: SENTIMENT,
    });
    expect([copied.status, xmlText(copied.body, 'Code')]).toEqual([404, 'NoSuchBucket']);
    expect(await refusal(s3.send(new GetObjectCommand({ Bucket: 'sentiment', Key: 'stolen' })))).toBe('404 NoSuchKey');
  });

  it('CreateBucket: already yours for a bucket the key may use, taken for another project’s', async () => {
    const mine = await rawRequest(app, { method: 'PUT', path: '/sentiment', sign: SENTIMENT });
    expect([mine.status, xmlText(mine.body, 'Code')]).toEqual([409, 'BucketAlreadyOwnedByYou']);
    const theirs = await rawRequest(app, { method: 'PUT', path: '/ner', sign: SENTIMENT });
    expect([theirs.status, xmlText(theirs.body, 'Code')]).toEqual([409, 'BucketAlreadyExists']);
  });
});
