import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { RunningService, startService, withLogs } from '../support/service.js';
import { boto3, okResponse } from './clients/boto3.js';
import { filesContaining } from './clients/s3-expect.js';

// Over https botocore switches PutObject to aws-chunked with an unsigned trailing CRC32 (docs/label-studio.md):
// a server that stored the raw body would put chunk framing inside the annotation JSON.
const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

describe('https with a self-signed certificate', () => {
  let service: RunningService;
  const put = (Key: string, Body: Buffer | string, extra: Record<string, unknown> = {}) =>
    ({ call: 'put_object', params: { Bucket: service.bucket, Key, Body: Buffer.from(Body), ...extra } }) as const;
  const get = (Key: string) => ({ call: 'get_object', params: { Bucket: service.bucket, Key } }) as const;
  const head = (Key: string) => ({ call: 'head_object', params: { Bucket: service.bucket, Key } }) as const;

  beforeAll(async () => {
    service = await startService({ tls: true });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('decodes the aws-chunked body of a Label Studio-shaped put: the file on disk is exactly the JSON', () =>
    withLogs(service, async () => {
      const nonce = randomBytes(8).toString('hex');
      const key = `exports//${nonce}`;
      const annotation = JSON.stringify({
        id: 17,
        result: [{ value: { choices: ['Caf\u00e9'] } }],
        nonce,
        task: { id: 3, data: {} },
      });
      const [putResult, got, headResult] = await boto3(service, [put(key, annotation), get(key), head(key)]);
      const sent = putResult.sent!.at(-1)!.headers;
      expect(sent).toMatchObject({
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'x-amz-trailer': 'x-amz-checksum-crc32',
        'x-amz-decoded-content-length': String(Buffer.byteLength(annotation)),
      });
      expect(sent['content-encoding']).toMatch(/aws-chunked/);
      expect(okResponse(putResult).ETag).toBe(`"${md5(annotation)}"`);
      expect(okResponse(got).Body.toString('utf8')).toBe(annotation);
      expect(okResponse(headResult)).toMatchObject({
        ContentLength: Buffer.byteLength(annotation),
        ContentType: 'binary/octet-stream',
      });
      // aws-chunked is a transfer detail: it is not the object's Content-Encoding.
      expect(okResponse(headResult).ContentEncoding).toBeUndefined();
      const objectsDir = join(service.dataDir, 'objects');
      const files = filesContaining(objectsDir, nonce);
      expect(files).toHaveLength(1);
      expect(readFileSync(join(objectsDir, files[0]), 'utf8')).toBe(annotation);
    }));

  it('decodes a multi-chunk body byte for byte and keeps a real Content-Encoding (gzip, without aws-chunked)', () =>
    withLogs(service, async () => {
      const big = randomBytes(3 * 1024 * 1024 + 17);
      const zipped = gzipSync(Buffer.from('{"zipped": true}'));
      const [bigPut, bigGet, zippedPut, zippedHead] = await boto3(service, [
        put('https/big.bin', big),
        get('https/big.bin'),
        put('https/zipped.json.gz', zipped, { ContentEncoding: 'gzip' }),
        head('https/zipped.json.gz'),
      ]);
      expect(bigPut.sent!.at(-1)!.headers['x-amz-content-sha256']).toBe('STREAMING-UNSIGNED-PAYLOAD-TRAILER');
      expect(okResponse(bigPut).ETag).toBe(`"${md5(big)}"`);
      expect(Buffer.compare(okResponse(bigGet).Body, big)).toBe(0);
      expect(zippedPut.sent!.at(-1)!.headers['content-encoding']).toMatch(/gzip.*aws-chunked|aws-chunked.*gzip/);
      expect(okResponse(zippedPut).ETag).toBe(`"${md5(zipped)}"`);
      expect(okResponse(zippedHead)).toMatchObject({ ContentEncoding: 'gzip', ContentLength: zipped.length });
    }));

  it('accepts a hand-built unsigned-trailer upload with the right CRC32 and refuses a wrong one', () =>
    withLogs(service, async () => {
      const data = Buffer.from('{"id": 2}');
      const path = (key: string) => `/${service.bucket}/${key}`;
      const [right, wrong] = (
        await boto3(service, [
          { trailer: { path: path('https/trailer-right'), data } },
          { trailer: { path: path('https/trailer-wrong'), data, checksum: 'AAAAAA==' } },
        ])
      ).map(okResponse);
      expect(right.status).toBe(200);
      expect(right.headers.etag).toBe(`"${md5(data)}"`);
      expect(wrong.status).toBe(400);
      expect(wrong.body.toString()).toContain('<Code>BadDigest</Code>');
    }));

  it('serves a presigned GET over https to a client that trusts the certificate', () =>
    withLogs(service, async () => {
      const body = randomBytes(4096);
      const [, presigned] = await boto3(service, [
        put('https/presigned.png', body),
        { presign: 'get_object', params: { Bucket: service.bucket, Key: 'https/presigned.png' }, expiresIn: 60 },
      ]);
      const url: string = okResponse(presigned).url;
      expect(url.startsWith(`${service.url}/`)).toBe(true);
      const [fetched] = await boto3(service, [{ http: { url } }]);
      expect(okResponse(fetched).status).toBe(200);
      expect(Buffer.compare(okResponse(fetched).body, body)).toBe(0);
    }));
});
