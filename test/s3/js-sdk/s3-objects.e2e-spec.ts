import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { S3App, startS3App } from './s3-app.harness.js';

const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

/** The headers the SDK really sends for `command` (read after signing, just before the wire). */
function captureHeaders(command: PutObjectCommand): Record<string, string> {
  const seen: Record<string, string> = {};
  command.middlewareStack.add(
    (next) => async (args) => {
      Object.assign(seen, (args.request as { headers: Record<string, string> }).headers);
      return next(args);
    },
    { step: 'deserialize', priority: 'low' },
  );
  return seen;
}

async function failure(promise: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as S3ServiceException;
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected the request to fail');
}

describe('S3 objects through @aws-sdk/client-s3', () => {
  let app: S3App;
  let s3: S3Client;
  let whenRequired: S3Client;
  let Bucket: string;

  beforeAll(async () => {
    app = await startS3App();
    s3 = app.client();
    whenRequired = app.client({
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    Bucket = app.bucket;
  });
  afterAll(() => app.close());

  const get = async (Key: string, client = s3) => {
    const out = await client.send(new GetObjectCommand({ Bucket, Key }));
    return { ...out, bytes: Buffer.from(await out.Body!.transformToByteArray()) };
  };

  describe.each([
    ['default checksums (CRC32)', () => s3, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'],
    ['requestChecksumCalculation WHEN_REQUIRED', () => whenRequired, 'UNSIGNED-PAYLOAD'],
  ])('PutObject with %s', (label, client, streamPayload) => {
    const body = Buffer.from(`{"id":17,"result":[],"label":"${label}"}`);

    it('stores a Buffer body exactly, with metadata; GetObject returns it with ETag, type and Last-Modified', async () => {
      const Key = `buffer/${label}`;
      const put = await client().send(new PutObjectCommand({ Bucket, Key, Body: body, Metadata: { 'Task-Id': '17' } }));
      expect(put.ETag).toBe(`"${md5(body)}"`);
      const got = await get(Key, client());
      expect(got.bytes.equals(body)).toBe(true);
      // The SDK itself labels Buffer bodies application/octet-stream (the untyped default is tested with a raw request).
      expect([got.ETag, got.ContentType, got.ContentLength, got.AcceptRanges]).toEqual([
        `"${md5(body)}"`,
        'application/octet-stream',
        body.length,
        'bytes',
      ]);
      expect(got.Metadata).toEqual({ 'task-id': '17' });
      expect(got.LastModified).toBeInstanceOf(Date);
    });

    it(`stores a stream body (sent as ${streamPayload}) as the plain bytes`, async () => {
      const Key = `stream/${label}`;
      const data = Buffer.alloc(200_000, 'abcdefghij');
      const command = new PutObjectCommand({
        Bucket,
        Key,
        Body: Readable.from([data.subarray(0, 70_000), data.subarray(70_000)]),
        ContentLength: data.length,
        ContentType: 'text/plain',
        ContentEncoding: 'gzip',
      });
      const sent = captureHeaders(command);
      await client().send(command);
      expect(sent['x-amz-content-sha256']).toBe(streamPayload);
      const got = await get(Key, client());
      expect(md5(got.bytes)).toBe(md5(data));
      expect([got.ContentType, got.ContentEncoding, got.ETag]).toEqual(['text/plain', 'gzip', `"${md5(data)}"`]);
    });
  });

  it('returns the stored CRC32 with checksum mode for the whole object (and the SDK verifies it), never with a range', async () => {
    const Key = 'checksum/object';
    const body = Buffer.from('0123456789'.repeat(10));
    const put = await s3.send(new PutObjectCommand({ Bucket, Key, Body: body }));
    expect(put.ChecksumCRC32).toEqual(expect.stringMatching(/^[A-Za-z0-9+/]{6}==$/));
    const full = await s3.send(new GetObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
    expect(Buffer.from(await full.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect(full.ChecksumCRC32).toBe(put.ChecksumCRC32);
    const part = await s3.send(new GetObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED', Range: 'bytes=0-9' }));
    expect(part.ChecksumCRC32).toBeUndefined();
    expect(Buffer.from(await part.Body!.transformToByteArray()).toString()).toBe('0123456789');
  });

  it('serves ranges: 206 with Content-Range, suffix and open ranges; 416 InvalidRange past the end', async () => {
    const Key = 'range/object';
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: Buffer.from('abcdefghijklmnopqrstuvwxyz') }));
    const range = async (Range: string) => {
      const out = await s3.send(new GetObjectCommand({ Bucket, Key, Range }));
      return [
        out.$metadata.httpStatusCode,
        out.ContentRange,
        Buffer.from(await out.Body!.transformToByteArray()).toString(),
      ];
    };
    expect(await range('bytes=0-4')).toEqual([206, 'bytes 0-4/26', 'abcde']);
    expect(await range('bytes=-3')).toEqual([206, 'bytes 23-25/26', 'xyz']);
    expect(await range('bytes=20-')).toEqual([206, 'bytes 20-25/26', 'uvwxyz']);
    expect(await range('bytes=24-100')).toEqual([206, 'bytes 24-25/26', 'yz']);
    expect(await range('bytes=0-1,4-5')).toEqual([200, undefined, 'abcdefghijklmnopqrstuvwxyz']);
    expect(await failure(s3.send(new GetObjectCommand({ Bucket, Key, Range: 'bytes=26-' })))).toMatchObject({
      name: 'InvalidRange',
      status: 416,
    });
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key, Range: 'bytes=1-2' }));
    expect([head.$metadata.httpStatusCode, head.ContentLength, head.ContentRange]).toEqual([206, 2, 'bytes 1-2/26']);
  });

  it('evaluates conditional requests: 304 for If-None-Match / If-Modified-Since, 412 for If-Match / If-Unmodified-Since', async () => {
    const Key = 'conditional/object';
    const { ETag } = await s3.send(new PutObjectCommand({ Bucket, Key, Body: Buffer.from('v1') }));
    const past = new Date(Date.now() - 3600_000);
    const future = new Date(Date.now() + 3600_000);
    const status = async (input: Record<string, unknown>) => {
      try {
        return (await s3.send(new GetObjectCommand({ Bucket, Key, ...input }))).$metadata.httpStatusCode;
      } catch (error) {
        return (error as S3ServiceException).$metadata.httpStatusCode;
      }
    };
    expect(await status({ IfMatch: ETag })).toBe(200);
    expect(await status({ IfMatch: '"0000"' })).toBe(412);
    expect(await status({ IfNoneMatch: ETag })).toBe(304);
    expect(await status({ IfNoneMatch: '"0000"' })).toBe(200);
    expect(await status({ IfModifiedSince: past })).toBe(200);
    expect(await status({ IfModifiedSince: future })).toBe(304);
    expect(await status({ IfUnmodifiedSince: past })).toBe(412);
    expect(await status({ IfMatch: ETag, IfUnmodifiedSince: past })).toBe(200);
    expect(await status({ IfNoneMatch: '"0000"', IfModifiedSince: future })).toBe(200);
  });

  it('applies response-* overrides', async () => {
    const Key = 'overrides/object.json';
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: Buffer.from('{}'), ContentType: 'application/json' }));
    const out = await s3.send(
      new GetObjectCommand({
        Bucket,
        Key,
        ResponseContentType: 'text/plain',
        ResponseContentDisposition: 'attachment; filename="a.json"',
        ResponseCacheControl: 'no-store',
      }),
    );
    expect([out.ContentType, out.ContentDisposition, out.CacheControl]).toEqual([
      'text/plain',
      'attachment; filename="a.json"',
      'no-store',
    ]);
  });

  it('keeps keys byte for byte: spaces, +, unicode, double slashes, trailing slash', async () => {
    for (const Key of ['a b+c/ü/🙂.json', 'exports//17', 'dir-marker/', '100%.json', 'with?query&chars=1']) {
      await s3.send(new PutObjectCommand({ Bucket, Key, Body: Buffer.from(Key) }));
      expect((await get(Key)).bytes.toString()).toBe(Key);
    }
  });

  it('HeadObject of a missing key is 404; DeleteObject answers 204 whether or not the key exists', async () => {
    const Key = 'delete/object';
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: Buffer.from('x') }));
    expect((await s3.send(new DeleteObjectCommand({ Bucket, Key }))).$metadata.httpStatusCode).toBe(204);
    expect(await failure(s3.send(new HeadObjectCommand({ Bucket, Key })))).toMatchObject({
      name: 'NotFound',
      status: 404,
    });
    expect(await failure(s3.send(new GetObjectCommand({ Bucket, Key })))).toMatchObject({
      name: 'NoSuchKey',
      status: 404,
    });
    expect((await s3.send(new DeleteObjectCommand({ Bucket, Key }))).$metadata.httpStatusCode).toBe(204);
  });

  it.each([
    ['default checksums', () => s3],
    ['WHEN_REQUIRED', () => whenRequired],
  ])(
    'DeleteObjects (%s) deletes several keys, missing ones included; Quiet reports only errors',
    async (_label, client) => {
      const keys = ['batch/a', 'batch/b', 'batch/c'];
      for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket, Key, Body: Buffer.from(Key) }));
      const out = await client().send(
        new DeleteObjectsCommand({ Bucket, Delete: { Objects: [...keys, 'batch/missing'].map((Key) => ({ Key })) } }),
      );
      expect(out.Deleted?.map((d) => d.Key).sort()).toEqual([...keys, 'batch/missing']);
      expect(out.Errors ?? []).toEqual([]);
      for (const Key of keys) expect(await failure(get(Key))).toMatchObject({ name: 'NoSuchKey' });
      const quiet = await client().send(
        new DeleteObjectsCommand({
          Bucket,
          Delete: { Quiet: true, Objects: [{ Key: 'batch/a' }, { Key: '../escape' }] },
        }),
      );
      expect(quiet.Deleted ?? []).toEqual([]);
      expect(quiet.Errors?.map((e) => [e.Key, e.Code])).toEqual([['../escape', 'InvalidObjectName']]);
    },
  );

  it('CopyObject copies bytes and metadata (COPY) or replaces the metadata (REPLACE); copying onto itself unchanged is refused', async () => {
    const body = Buffer.from('{"copy":true}');
    await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'copy/source ü+1',
        Body: body,
        ContentType: 'application/json',
        Metadata: { a: '1' },
      }),
    );
    const copied = await s3.send(
      new CopyObjectCommand({
        Bucket,
        Key: 'copy/target',
        CopySource: `${Bucket}/${encodeURIComponent('copy/source ü+1')}`,
      }),
    );
    expect(copied.CopyObjectResult?.ETag).toBe(`"${md5(body)}"`);
    const target = await get('copy/target');
    expect([target.bytes.toString(), target.ContentType, target.Metadata]).toEqual([
      body.toString(),
      'application/json',
      { a: '1' },
    ]);
    await s3.send(
      new CopyObjectCommand({
        Bucket,
        Key: 'copy/target',
        CopySource: `${Bucket}/copy/target`,
        MetadataDirective: 'REPLACE',
        ContentType: 'text/plain',
        Metadata: { b: '2' },
      }),
    );
    const replaced = await get('copy/target');
    expect([replaced.bytes.toString(), replaced.ContentType, replaced.Metadata]).toEqual([
      body.toString(),
      'text/plain',
      { b: '2' },
    ]);
    expect(
      await failure(
        s3.send(new CopyObjectCommand({ Bucket, Key: 'copy/target', CopySource: `${Bucket}/copy/target` })),
      ),
    ).toMatchObject({
      name: 'InvalidRequest',
      status: 400,
    });
    expect(
      await failure(s3.send(new CopyObjectCommand({ Bucket, Key: 'copy/x', CopySource: `${Bucket}/copy/missing` }))),
    ).toMatchObject({ name: 'NoSuchKey' });
    expect(
      await failure(
        s3.send(
          new CopyObjectCommand({
            Bucket,
            Key: 'copy/x',
            CopySource: `${Bucket}/copy/target`,
            CopySourceIfMatch: '"0000"',
          }),
        ),
      ),
    ).toMatchObject({ name: 'PreconditionFailed', status: 412 });
  });

  it('refuses an object above S3_MAX_OBJECT_SIZE with EntityTooLarge and stores nothing; the server keeps answering', async () => {
    const Key = 'large/object';
    const body = Buffer.alloc(app.maxObjectSize + 1, 1);
    expect(await failure(s3.send(new PutObjectCommand({ Bucket, Key, Body: body })))).toMatchObject({
      name: 'EntityTooLarge',
      status: 400,
    });
    expect(await failure(s3.send(new HeadObjectCommand({ Bucket, Key })))).toMatchObject({ status: 404 });
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: body.subarray(0, app.maxObjectSize) }));
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key }))).ContentLength).toBe(app.maxObjectSize);
  });
});
