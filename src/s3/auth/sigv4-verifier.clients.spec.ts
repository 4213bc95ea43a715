import { describe, expect, it } from '@jest/globals';
import { Sha256 } from '@smithy/core/checksum';
import { buildQueryString, HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import { authenticate, parseAmzDate } from './sigv4-verifier.js';
import type { IncomingSignedRequest } from './sigv4.types.js';
import { secretLookup } from '../../../test/support/secret-lookup.js';

// Requests signed by the real client libraries, verified by ours: what Label Studio (botocore) and the JS SDK send.
const CREDS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local/secret+key' };
const REGION = 'us-east-1';

function amzDateOf(req: IncomingSignedRequest): Date {
  const text = (req.headers['x-amz-date'] as string | undefined) ?? /X-Amz-Date=(\w+)/.exec(req.rawQuery)![1];
  return new Date(parseAmzDate(text)!);
}

/** @smithy/signature-v4 configured as @aws-sdk/client-s3 configures it (uriEscapePath off, payload hash header on). */
const signer = new SignatureV4({
  service: 's3',
  region: REGION,
  credentials: CREDS,
  sha256: Sha256,
  uriEscapePath: false,
  applyChecksum: true,
});

/** What node's http server would hand us for this request: path and query exactly as the SDK's handler writes them. */
function onTheWire(request: {
  method: string;
  path: string;
  query?: HttpRequest['query'];
  headers: Record<string, string>;
}): IncomingSignedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  return { method: request.method, rawPath: request.path, rawQuery: buildQueryString(request.query ?? {}), headers };
}

function sdkRequest(
  method: string,
  path: string,
  query: Record<string, string> = {},
  headers: Record<string, string> = {},
  body?: string,
): HttpRequest {
  return new HttpRequest({
    method,
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 8000,
    path,
    query,
    headers: { host: '127.0.0.1:8000', ...headers },
    body,
  });
}

describe('requests signed by @smithy/signature-v4 (the signer inside @aws-sdk/client-s3)', () => {
  it.each<[string, HttpRequest]>([
    [
      'PUT of a Label Studio key with //',
      sdkRequest('PUT', '/annotations/exports//17', {}, { 'content-type': 'application/json' }, '{"id":17}'),
    ],
    [
      'PUT with an unsigned payload',
      sdkRequest(
        'PUT',
        '/annotations/a',
        {},
        { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-meta-team': 'vision' },
        'x',
      ),
    ],
    [
      'GET of a key with unicode, space and +',
      sdkRequest('GET', '/annotations/caf%C3%A9%20a%2Bb/%21%27%28%29%2A', {}, { range: 'bytes=0-' }),
    ],
    [
      'ListObjectsV2 with special characters',
      sdkRequest('GET', '/annotations', {
        'list-type': '2',
        prefix: 'exports/a b+c~!*',
        'max-keys': '1',
        'encoding-type': 'url',
      }),
    ],
    ['GetBucketLocation (empty query value)', sdkRequest('GET', '/annotations', { location: '' })],
    [
      'DeleteObjects',
      sdkRequest(
        'POST',
        '/annotations',
        { delete: '' },
        { 'x-amz-checksum-crc32': 'AAAAAA==', 'x-amz-sdk-checksum-algorithm': 'CRC32' },
        '<Delete/>',
      ),
    ],
    ['HeadBucket', sdkRequest('HEAD', '/annotations')],
    [
      'DeleteObject with multi-space header',
      sdkRequest('DELETE', '/annotations/x', {}, { 'x-amz-meta-note': '  two   spaces  ' }),
    ],
  ])('%s', async (_name, request) => {
    const wire = onTheWire(await signer.sign(request));
    const ctx = authenticate(wire, secretLookup([CREDS]), REGION, amzDateOf(wire));
    expect(ctx.seedSignature).toBe(/Signature=([0-9a-f]{64})/.exec(wire.headers.authorization as string)![1]);
    expect(ctx.payloadHash).toBe(wire.headers['x-amz-content-sha256']);
  });

  it('a request signed for another secret is refused', async () => {
    const other = new SignatureV4({
      service: 's3',
      region: REGION,
      credentials: { ...CREDS, secretAccessKey: 'other' },
      sha256: Sha256,
      uriEscapePath: false,
    });
    const wire = onTheWire(await other.sign(sdkRequest('GET', '/annotations')));
    expect(() => authenticate(wire, secretLookup([CREDS]), REGION, amzDateOf(wire))).toThrow(
      expect.objectContaining({ code: 'SignatureDoesNotMatch' }),
    );
  });

  it('a presigned GET prepared as @aws-sdk/s3-request-presigner does (that package is not installed here)', async () => {
    // S3RequestPresigner.prepareRequest: x-amz-content-sha256 = UNSIGNED-PAYLOAD, content-type unsigned; then presign.
    const request = sdkRequest(
      'GET',
      '/annotations/media/%C3%A4%20b.png',
      { 'response-content-type': 'image/png' },
      { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    );
    const url = await signer.presign(request, { expiresIn: 60, unsignableHeaders: new Set(['content-type']) });
    const wire = onTheWire(url);
    expect(wire.headers.authorization).toBeUndefined();
    const ctx = authenticate(
      { ...wire, headers: { host: '127.0.0.1:8000' } },
      secretLookup([CREDS]),
      REGION,
      amzDateOf(wire),
    );
    expect(ctx.presigned).toBe(true);
    expect(ctx.payloadHash).toBe('UNSIGNED-PAYLOAD');
    const expiredAt = new Date(amzDateOf(wire).getTime() + 61_000);
    expect(() =>
      authenticate({ ...wire, headers: { host: '127.0.0.1:8000' } }, secretLookup([CREDS]), REGION, expiredAt),
    ).toThrow('Request has expired');
  });
});

// Captured from botocore 1.43.11 (boto3's core, what Label Studio runs) with a 'before-send' hook, so nothing
// went over the network: s3v4, path style, endpoint http://127.0.0.1:8000 and https://127.0.0.1:8443.
const BOTOCORE: Array<[string, IncomingSignedRequest]> = [
  [
    'PutObject over http (checksum header, hex sha256 payload)',
    {
      method: 'PUT',
      rawPath: '/annotations/exports//17',
      rawQuery: '',
      headers: {
        host: '127.0.0.1:8000',
        'user-agent': 'Botocore/1.43.11 ua/2.1 os/linux md/arch#x86_64 lang/python#3.11.7',
        expect: '100-continue',
        'x-amz-checksum-crc32': '8OQvkA==',
        'x-amz-sdk-checksum-algorithm': 'CRC32',
        'x-amz-date': '20261126T061035Z',
        'x-amz-content-sha256': '18c2ef927476e0b1bd98a9d8150c4b1d4e9d920d99a5f9b75bc7c58f1c824ba8',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20261126/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-checksum-crc32;x-amz-content-sha256;x-amz-date;x-amz-sdk-checksum-algorithm, Signature=efa51e6beda6f20c0ec1ab96500de75dbcba1c98aea766a8a90e6c48fd29861f',
        'amz-sdk-invocation-id': '18108562-82ea-4046-b2dd-4696d166d2d6',
        'amz-sdk-request': 'attempt=1',
        'content-length': '52',
      },
    },
  ],
  [
    'PutObject over https (aws-chunked, unsigned trailer)',
    {
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
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20261126/us-east-1/s3/aws4_request, SignedHeaders=content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-sdk-checksum-algorithm;x-amz-trailer, Signature=f656d7a70f2b60b801830a0903fa967f205d89ad5688aff52d1785780a508018',
      },
    },
  ],
  [
    'ListObjectsV2 with a prefix needing encoding',
    {
      method: 'GET',
      rawPath: '/annotations',
      rawQuery: 'list-type=2&prefix=exports%2Fa%20b%2Bc&max-keys=1&encoding-type=url',
      headers: {
        host: '127.0.0.1:8000',
        'x-amz-date': '20261126T061035Z',
        'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20261126/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=2c8fe328bfa86c61e4a23c42f9a4be59ec3f7fadbaf2e75a67b8807bde9fe2f6',
      },
    },
  ],
  [
    'generate_presigned_url(get_object) with ResponseContentType',
    {
      method: 'GET',
      rawPath: '/annotations/media/%C3%A4%20b.png',
      rawQuery:
        'response-content-type=image%2Fpng&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDLOCAL%2F20261126%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261126T061035Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=245e3bfd9bb373ddc93a08f75411b98f0cb54a9d02a0afd122dbc61762450819',
      headers: { host: '127.0.0.1:8000', 'user-agent': 'Mozilla/5.0', accept: 'image/*' },
    },
  ],
];

describe('requests signed by botocore', () => {
  it.each(BOTOCORE)('%s', (_name, req) => {
    expect(authenticate(req, secretLookup([CREDS]), REGION, amzDateOf(req)).accessKeyId).toBe('AKIDLOCAL');
  });

  it.each(BOTOCORE)('%s is refused once the Host port differs (the port is signed)', (_name, req) => {
    const moved = { ...req, headers: { ...req.headers, host: '127.0.0.1:9000' } };
    expect(() => authenticate(moved, secretLookup([CREDS]), REGION, amzDateOf(req))).toThrow(
      expect.objectContaining({ code: 'SignatureDoesNotMatch' }),
    );
  });
});
