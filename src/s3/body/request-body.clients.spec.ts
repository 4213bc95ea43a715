import { describe, expect, it } from '@jest/globals';
import { ChecksumAlgorithm, DeleteObjectsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { buildQueryString, HttpRequest } from '@smithy/core/protocols';
import { Readable } from 'node:stream';
import { authenticate, parseAmzDate } from '../auth/sigv4-verifier.js';
import type { IncomingSignedRequest } from '../auth/sigv4.types.js';
import { secretLookup } from '../../../test/support/secret-lookup.js';
import { decodeRequestBody } from './request-body.js';

// Bodies as real clients frame them, authenticated and decoded by our code: the bytes stored must be the
// object the client meant, and the checksum it sent must be the one verified.
const CREDS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local/secret+key' };

async function receive(
  req: IncomingSignedRequest,
  body: Readable,
): Promise<{ data: string; checksums: Record<string, string> }> {
  const date = parseAmzDate(req.headers['x-amz-date'] as string)!;
  const auth = authenticate(req, secretLookup([CREDS]), 'us-east-1', new Date(date));
  const decoded = decodeRequestBody(body, req.headers, auth, 1 << 20);
  const parts: Buffer[] = [];
  for await (const piece of decoded.body) parts.push(piece as Buffer);
  return { data: Buffer.concat(parts).toString('latin1'), checksums: decoded.checksums() };
}

// Captured from botocore 1.43.11 (what Label Studio runs) with a 'before-send' hook: PutObject of this
// annotation JSON to http://127.0.0.1:8000 (checksum header) and https://127.0.0.1:8443 (aws-chunked + trailer).
const ANNOTATION = '{"id": 17, "result": [], "note": "caf\\u00e9 + 100%"}';
const botocoreAuth = (signedHeaders: string, signature: string) =>
  `AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20261126/us-east-1/s3/aws4_request, SignedHeaders=${signedHeaders}, Signature=${signature}`;

describe('botocore PutObject bodies', () => {
  it('over http: hex sha256 payload and an x-amz-checksum-crc32 header', async () => {
    const req: IncomingSignedRequest = {
      method: 'PUT',
      rawPath: '/annotations/exports//17',
      rawQuery: '',
      headers: {
        host: '127.0.0.1:8000',
        expect: '100-continue',
        'content-length': '52',
        'x-amz-checksum-crc32': '8OQvkA==',
        'x-amz-sdk-checksum-algorithm': 'CRC32',
        'x-amz-date': '20261126T061035Z',
        'x-amz-content-sha256': '18c2ef927476e0b1bd98a9d8150c4b1d4e9d920d99a5f9b75bc7c58f1c824ba8',
        authorization: botocoreAuth(
          'host;x-amz-checksum-crc32;x-amz-content-sha256;x-amz-date;x-amz-sdk-checksum-algorithm',
          'efa51e6beda6f20c0ec1ab96500de75dbcba1c98aea766a8a90e6c48fd29861f',
        ),
      },
    };
    expect(await receive(req, Readable.from([Buffer.from(ANNOTATION)]))).toEqual({
      data: ANNOTATION,
      checksums: { crc32: '8OQvkA==' },
    });
  });

  it('over https: STREAMING-UNSIGNED-PAYLOAD-TRAILER, stored without the chunk framing', async () => {
    const req: IncomingSignedRequest = {
      method: 'PUT',
      rawPath: '/annotations/exports//17',
      rawQuery: '',
      headers: {
        host: '127.0.0.1:8443',
        expect: '100-continue',
        'transfer-encoding': 'chunked',
        'content-encoding': 'aws-chunked',
        'x-amz-trailer': 'x-amz-checksum-crc32',
        'x-amz-decoded-content-length': '52',
        'x-amz-sdk-checksum-algorithm': 'CRC32',
        'x-amz-date': '20261126T061035Z',
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        authorization: botocoreAuth(
          'content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-sdk-checksum-algorithm;x-amz-trailer',
          'f656d7a70f2b60b801830a0903fa967f205d89ad5688aff52d1785780a508018',
        ),
      },
    };
    const wire = Buffer.from(`34\r\n${ANNOTATION}\r\n0\r\nx-amz-checksum-crc32:8OQvkA==\r\n\r\n`);
    const oneByteReads = Array.from(wire, (b) => Buffer.from([b]));
    expect(await receive(req, Readable.from(oneByteReads))).toEqual({
      data: ANNOTATION,
      checksums: { crc32: '8OQvkA==' },
    });
  });
});

/** An @aws-sdk/client-s3 whose HTTP handler hands the signed request straight to our verifier and decoder. */
function sdkClient(
  requestChecksumCalculation: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED',
  received: Array<Awaited<ReturnType<typeof receive>>>,
): S3Client {
  const requestHandler = {
    async handle(request: HttpRequest) {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
      const wire = {
        method: request.method,
        rawPath: request.path,
        rawQuery: buildQueryString(request.query),
        headers,
      };
      const body =
        request.body instanceof Readable
          ? request.body
          : Readable.from(request.body === undefined ? [] : [Buffer.from(request.body)]);
      received.push(await receive(wire, body));
      return { response: { statusCode: 200, headers: { etag: '"0"' }, body: Readable.from([]) } };
    },
  };
  return new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:8000',
    forcePathStyle: true,
    credentials: CREDS,
    requestHandler,
    requestChecksumCalculation,
  });
}

const JSON_BODY = '{"id": 17, "result": [{"value": {"choices": ["cat"]}}]}';
const stream = () => Readable.from([Buffer.from(JSON_BODY.slice(0, 10)), Buffer.from(JSON_BODY.slice(10))]);

describe('@aws-sdk/client-s3 PutObject bodies', () => {
  it.each<[string, ChecksumAlgorithm | undefined, string]>([
    ['default (CRC32)', undefined, 'crc32'],
    ['CRC32C', 'CRC32C', 'crc32c'],
    ['CRC64NVME', 'CRC64NVME', 'crc64nvme'],
    ['SHA1', 'SHA1', 'sha1'],
    ['SHA256', 'SHA256', 'sha256'],
  ])('a stream body: aws-chunked with a %s trailer', async (_name, algorithm, key) => {
    const received: Array<Awaited<ReturnType<typeof receive>>> = [];
    await sdkClient('WHEN_SUPPORTED', received).send(
      new PutObjectCommand({
        Bucket: 'annotations',
        Key: 'exports//17',
        Body: stream(),
        ContentLength: JSON_BODY.length,
        ChecksumAlgorithm: algorithm,
      }),
    );
    expect(received[0].data).toBe(JSON_BODY);
    expect(Object.keys(received[0].checksums)).toEqual([key]);
  });

  it.each<['WHEN_SUPPORTED' | 'WHEN_REQUIRED', () => Readable | string, Record<string, string>]>([
    ['WHEN_SUPPORTED', () => JSON_BODY, { crc32: expect.any(String) as unknown as string }],
    ['WHEN_REQUIRED', () => JSON_BODY, {}],
    ['WHEN_REQUIRED', stream, {}],
  ])('requestChecksumCalculation %s, body %#', async (mode, body, checksums) => {
    const received: Array<Awaited<ReturnType<typeof receive>>> = [];
    await sdkClient(mode, received).send(
      new PutObjectCommand({ Bucket: 'annotations', Key: 'a b+c', Body: body(), ContentLength: JSON_BODY.length }),
    );
    expect(received[0]).toEqual({ data: JSON_BODY, checksums });
  });

  it('DeleteObjects carries a verified CRC32 of its XML', async () => {
    const received: Array<Awaited<ReturnType<typeof receive>>> = [];
    await sdkClient('WHEN_SUPPORTED', received)
      .send(new DeleteObjectsCommand({ Bucket: 'annotations', Delete: { Objects: [{ Key: 'exports//17' }] } }))
      .catch(() => undefined);
    expect(received[0].data).toContain('<Key>exports//17</Key>');
    expect(Object.keys(received[0].checksums)).toEqual(['crc32']);
  });
});
