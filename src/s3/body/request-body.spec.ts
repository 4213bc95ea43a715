import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { authenticate } from '../auth/sigv4-verifier.js';
import type { AuthContext, IncomingSignedRequest } from '../auth/sigv4.types.js';
import { secretLookup } from '../../../test/support/secret-lookup.js';
import { S3Error } from '../errors/s3-error.js';
import type { IncomingMessage } from 'node:http';
import { RequestBodySource } from '../http/request-body.source.js';
import {
  type BodyReader,
  decodeRequestBody,
  GATHERED_BODY_LIMIT,
  receiveRequestBody,
  storedContentEncoding,
} from './request-body.js';

type Headers = IncomingSignedRequest['headers'];
interface Outcome {
  data?: Buffer;
  error?: S3Error;
  ended: boolean;
  checksums: Record<string, string>;
}

/** Consumes the decoded body like the storage layer would, noting whether 'end' was ever reached. */
async function run(
  source: Readable | Buffer[],
  headers: Headers,
  auth: AuthContext,
  maxSize = 1 << 20,
): Promise<Outcome> {
  const decoded = decodeRequestBody(Array.isArray(source) ? Readable.from(source) : source, headers, auth, maxSize);
  let ended = false;
  decoded.body.on('end', () => (ended = true));
  const parts: Buffer[] = [];
  try {
    for await (const piece of decoded.body) parts.push(piece as Buffer);
  } catch (err) {
    return { error: err as S3Error, ended, checksums: decoded.checksums() };
  }
  return { data: Buffer.concat(parts), ended, checksums: decoded.checksums() };
}
/** The request's body as S3HttpRequest offers it, over `source` standing in for the connection. */
function readerOf(source: Readable): BodyReader & { bodySource: RequestBodySource } {
  const bodySource = new RequestBodySource(source as IncomingMessage, () => undefined);
  return { bodySource, openBody: () => bodySource, gatherBody: (accept) => bodySource.gather(accept) };
}

/** `run`, through receiveRequestBody: a small body must come gathered (a Buffer), `ended` once it resolved. */
async function runReceived(
  source: Readable | Buffer[],
  headers: Headers,
  auth: AuthContext,
  maxSize = 1 << 20,
): Promise<Outcome> {
  const reader = readerOf(Array.isArray(source) ? Readable.from(source) : source);
  let received;
  try {
    received = await receiveRequestBody(reader, headers, auth, maxSize);
  } catch (err) {
    return { error: err as S3Error, ended: false, checksums: {} };
  }
  if (!Buffer.isBuffer(received.body)) throw new Error('a small body was streamed, not gathered');
  return { data: received.body, ended: true, checksums: received.checksums() };
}

const pieces = (body: Buffer, size: number) =>
  Array.from({ length: Math.ceil(body.length / size) }, (_, i) => body.subarray(i * size, (i + 1) * size));
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const ctx = (payloadHash: string): AuthContext => ({
  accessKeyId: 'AKIDLOCAL',
  region: 'us-east-1',
  amzDate: '20261126T061035Z',
  scope: '20261126/us-east-1/s3/aws4_request',
  signingKey: Buffer.alloc(32),
  seedSignature: '0'.repeat(64),
  presigned: false,
  payloadHash,
});

// AWS S3 API reference, sigv4-streaming and sigv4-streaming-trailers: the example uploads, authenticated then decoded.
const CREDS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const AT = new Date('2013-05-24T00:00:00Z');
const A = [Buffer.alloc(65536, 'a'), Buffer.alloc(1024, 'a')];
function example(trailer: boolean, seed: string, sigs: string[], tail: string, length: number) {
  const headers: Record<string, string> = {
    host: 's3.amazonaws.com',
    'x-amz-date': '20130524T000000Z',
    'x-amz-storage-class': 'REDUCED_REDUNDANCY',
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': '66560',
    'x-amz-content-sha256': `STREAMING-AWS4-HMAC-SHA256-PAYLOAD${trailer ? '-TRAILER' : ''}`,
    // The example signs Content-Length without a trailer, and leaves it out with one.
    ...(trailer ? { 'x-amz-trailer': 'x-amz-checksum-crc32c' } : { 'content-length': String(length) }),
  };
  const signed = Object.keys(headers).sort().join(';');
  const credential = 'AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request';
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=${signed}, Signature=${seed}`;
  headers['content-length'] = String(length);
  const body = Buffer.concat([
    ...A.flatMap((c, i) => [
      Buffer.from(`${c.length.toString(16)};chunk-signature=${sigs[i]}\r\n`),
      c,
      Buffer.from('\r\n'),
    ]),
    Buffer.from(`0;chunk-signature=${sigs[2]}\r\n${tail}`),
  ]);
  const auth = authenticate(
    { method: 'PUT', rawPath: '/examplebucket/chunkObject.txt', rawQuery: '', headers },
    secretLookup([CREDS]),
    'us-east-1',
    AT,
  );
  return { headers, body, auth };
}
const PLAIN = example(
  false,
  '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
  [
    'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
    '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
    'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
  ],
  '\r\n',
  66824,
);
const TRAILED = example(
  true,
  '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e',
  [
    'b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2',
    '1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7',
    '2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992',
  ],
  'x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n',
  66946,
);

describe('decodeRequestBody: the AWS chunked upload examples, end to end', () => {
  it.each([
    ['in one piece', 1 << 20],
    ['one byte per read', 1],
    ['in 7-byte reads', 7],
    ['in 4096-byte reads', 4096],
  ])('STREAMING-AWS4-HMAC-SHA256-PAYLOAD %s → 66560 bytes of "a"', async (_name, size) => {
    const out = await run(pieces(PLAIN.body, size), PLAIN.headers, PLAIN.auth);
    expect(out.error).toBeUndefined();
    expect(out.data!.equals(Buffer.alloc(66560, 'a'))).toBe(true);
  });

  it('STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER → the bytes, and the verified crc32c trailer', async () => {
    const out = await run(pieces(TRAILED.body, 1000), TRAILED.headers, TRAILED.auth);
    expect([out.data!.length, out.checksums]).toEqual([66560, { crc32c: 'sOO8/Q==' }]);
  });

  it('a tampered chunk fails the stream before it ends', async () => {
    const tampered = Buffer.from(PLAIN.body);
    tampered[66000] = 0x62; // inside the second chunk
    const out = await run(pieces(tampered, 1000), PLAIN.headers, PLAIN.auth);
    expect([out.error?.code, out.ended]).toEqual(['SignatureDoesNotMatch', false]);
  });
});

/** A 1 MB source in 100-byte reads, counting how many were taken (finite, so a regression fails instead of hanging). */
function endless(): { source: Readable; taken: () => number } {
  let taken = 0;
  const source = Readable.from(
    (function* () {
      while (taken < 10_000) {
        taken++;
        yield Buffer.alloc(100, 'x');
      }
    })(),
  );
  return { source, taken: () => taken };
}

describe.each([
  ['decodeRequestBody (streamed)', run],
  ['receiveRequestBody (gathered)', runReceived],
])('%s: checks on plain bodies', (_way, run) => {
  const body = Buffer.from('123456789');
  const plain = (extra: Record<string, string>) => ({ 'content-length': '9', ...extra });
  const hex = (h: string) => Buffer.from(h, 'hex').toString('base64');
  // CRC catalogue check values of '123456789'; SHA values computed with node:crypto.
  const CHECK: Record<string, string> = {
    crc32: hex('cbf43926'),
    crc32c: hex('e3069283'),
    crc64nvme: hex('ae8b14860a799888'),
    sha1: createHash('sha1').update(body).digest('base64'),
    sha256: createHash('sha256').update(body).digest('base64'),
  };

  it.each(Object.keys(CHECK))(
    'x-amz-checksum-%s: verified and reported; a wrong value is BadDigest',
    async (algorithm) => {
      const ok = await run([body], plain({ [`x-amz-checksum-${algorithm}`]: CHECK[algorithm] }), ctx(sha256(body)));
      expect([ok.data?.toString(), ok.checksums]).toEqual(['123456789', { [algorithm]: CHECK[algorithm] }]);
      const wrong = Buffer.from(CHECK[algorithm], 'base64');
      wrong[0] ^= 1;
      const bad = await run(
        [body],
        plain({ [`x-amz-checksum-${algorithm}`]: wrong.toString('base64') }),
        ctx(sha256(body)),
      );
      expect([bad.error?.code, bad.error?.message, bad.ended]).toEqual([
        'BadDigest',
        `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
        false,
      ]);
    },
  );

  it.each<[string, Record<string, string>, string, string]>([
    ['a hex sha256 of other bytes', plain({}), sha256('other'), 'XAmzContentSHA256Mismatch'],
    [
      'a Content-MD5 of other bytes',
      plain({ 'content-md5': createHash('md5').update('other').digest('base64') }),
      'UNSIGNED-PAYLOAD',
      'BadDigest',
    ],
    ['Content-Length larger than the body', plain({ 'content-length': '10' }), 'UNSIGNED-PAYLOAD', 'IncompleteBody'],
    ['Content-Length smaller than the body', plain({ 'content-length': '8' }), 'UNSIGNED-PAYLOAD', 'IncompleteBody'],
  ])('%s fails before the end', async (_name, headers, payloadHash, code) => {
    const out = await run(pieces(body, 4), headers, ctx(payloadHash));
    expect([out.error?.code, out.ended]).toEqual([code, false]);
  });

  it('accepts a matching Content-MD5 and UNSIGNED-PAYLOAD', async () => {
    const out = await run(
      [body],
      plain({ 'content-md5': createHash('md5').update(body).digest('base64') }),
      ctx('UNSIGNED-PAYLOAD'),
    );
    expect([out.data?.toString(), out.ended]).toEqual(['123456789', true]);
  });
});

// Label Studio over https sends each annotation this way: small ones are gathered (receiveRequestBody), checked alike.
describe.each([
  ['decodeRequestBody (streamed)', run],
  ['receiveRequestBody (gathered)', runReceived],
])('%s: unsigned aws-chunked with a trailer', (_way, run) => {
  const headers = (decoded: number) => ({
    'transfer-encoding': 'chunked',
    'content-encoding': 'aws-chunked',
    'x-amz-decoded-content-length': String(decoded),
    'x-amz-trailer': 'x-amz-checksum-crc32',
  });
  const framed = (trailer: string) => Buffer.from(`5\r\nhello\r\n6\r\n world\r\n0\r\n${trailer}\r\n`);
  const auth = ctx('STREAMING-UNSIGNED-PAYLOAD-TRAILER');

  it.each<[string, Buffer, number, string, RegExp]>([
    ['a trailer checksum of other bytes', framed('x-amz-checksum-crc32:AAAAAA==\r\n'), 11, 'BadDigest', /CRC32/],
    ['no trailer although x-amz-trailer announced one', framed(''), 11, 'InvalidRequest', /was not sent/],
    [
      'a malformed trailer value',
      framed('x-amz-checksum-crc32:DUoRhQ\r\n'),
      11,
      'InvalidRequest',
      /trailing header is invalid/,
    ],
    [
      'a checksum trailer that was not announced',
      framed('x-amz-checksum-crc32:DUoRhQ==\r\nx-amz-checksum-sha1:Kq5sNclPz7QV2+lfQIuc6R7oRu0=\r\n'),
      11,
      'InvalidRequest',
      /not announced/,
    ],
    [
      'fewer bytes than x-amz-decoded-content-length',
      framed('x-amz-checksum-crc32:DUoRhQ==\r\n'),
      12,
      'IncompleteBody',
      /announced 12/,
    ],
    [
      'more bytes than x-amz-decoded-content-length',
      framed('x-amz-checksum-crc32:DUoRhQ==\r\n'),
      10,
      'IncompleteBody',
      /More bytes/,
    ],
    [
      'a body cut before the last chunk',
      Buffer.from('5\r\nhello\r\n6\r\n wor'),
      11,
      'IncompleteBody',
      /final 0-length chunk/,
    ],
  ])('%s', async (_name, wire, decoded, code, message) => {
    const out = await run(pieces(wire, 3), headers(decoded), auth);
    expect([out.error?.code, out.error?.message, out.ended]).toEqual([code, expect.stringMatching(message), false]);
  });

  it('decodes and reports the verified checksum', async () => {
    const out = await run(pieces(framed('x-amz-checksum-crc32:DUoRhQ==\r\n'), 1), headers(11), auth);
    expect([out.data?.toString(), out.checksums, out.ended]).toEqual(['hello world', { crc32: 'DUoRhQ==' }, true]);
  });
});

describe('decodeRequestBody: stream behaviour', () => {
  it('refuses EntityTooLarge as soon as the limit is crossed, without reading the rest', async () => {
    const { source, taken } = endless();
    const out = await run(source, { 'transfer-encoding': 'chunked' }, ctx('UNSIGNED-PAYLOAD'), 1000);
    expect([out.error?.code, out.ended]).toEqual(['EntityTooLarge', false]);
    expect(taken()).toBeLessThan(100);
  });

  it('a header problem fails on first read and leaves the source unread', async () => {
    const { source, taken } = endless();
    const out = await run(source, {}, ctx('UNSIGNED-PAYLOAD'));
    expect([out.error?.code, taken()]).toEqual(['MissingContentLength', 0]);
  });

  it.each<[string, (s: Readable) => void]>([
    ['fails', (s) => s.destroy(new Error('ECONNRESET'))],
    ['closes without ending', (s) => s.destroy()],
  ])('a client connection that %s gives IncompleteBody, streamed or gathered', async (_name, cut) => {
    for (const way of [run, runReceived]) {
      const source = new Readable({ read() {} });
      source.push(Buffer.from('hello'));
      setImmediate(() => cut(source));
      const out = await way(source, { 'content-length': '11' }, ctx('UNSIGNED-PAYLOAD'));
      expect([way.name, out.error?.code, out.ended]).toEqual([way.name, 'IncompleteBody', false]);
    }
  });

  it('an error raised before the consumer attaches is still reported by pipeline(), not thrown as uncaught', async () => {
    const decoded = decodeRequestBody(
      Readable.from([Buffer.from('hello')]),
      { 'content-length': '5' },
      ctx(sha256('other')),
      100,
    );
    while (!decoded.body.errored) await new Promise((resolve) => setImmediate(resolve));
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    await expect(pipeline(decoded.body, sink)).rejects.toMatchObject({ code: 'XAmzContentSHA256Mismatch' });
  });
});

describe('receiveRequestBody: small bodies gathered, the others streamed', () => {
  const unsigned = ctx('UNSIGNED-PAYLOAD');
  const length = (n: number) => ({ 'content-length': String(n) });

  it('gathers a plain body of GATHERED_BODY_LIMIT bytes, in many chunks, into one Buffer of those bytes', async () => {
    const body = Buffer.alloc(GATHERED_BODY_LIMIT, 'z');
    body.write('first', 0);
    const out = await runReceived(pieces(body, 1000), length(body.length), unsigned);
    expect(out.data?.equals(body)).toBe(true);
  });

  it.each<[string, Headers, string]>([
    ['one byte more than GATHERED_BODY_LIMIT', length(GATHERED_BODY_LIMIT + 1), 'UNSIGNED-PAYLOAD'],
    ['no Content-Length (chunked transfer coding)', { 'transfer-encoding': 'chunked' }, 'UNSIGNED-PAYLOAD'],
    [
      'aws-chunked framing, one decoded byte more than GATHERED_BODY_LIMIT',
      {
        'transfer-encoding': 'chunked',
        'x-amz-decoded-content-length': String(GATHERED_BODY_LIMIT + 1),
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
      'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    ],
  ])('streams a body with %s', async (_name, headers, payloadHash) => {
    // A source that ends: were it gathered by mistake, the test fails on its assertion, not on a timeout.
    const source = Readable.from([Buffer.alloc(Number(headers['content-length'] ?? 100))]);
    const received = await receiveRequestBody(readerOf(source), headers, ctx(payloadHash), 1 << 20);
    expect(received.body).toBeInstanceOf(Readable);
    (received.body as Readable).destroy();
  });

  it('stops reading at the first failed check and rejects before anything is handed on', async () => {
    const { source, taken } = endless();
    const out = await runReceived(source, length(150), unsigned);
    expect([out.error?.code, out.data]).toEqual(['IncompleteBody', undefined]);
    expect(taken()).toBeLessThan(100);
  });

  it('a header problem fails on the first read of a stream, the source left unread', async () => {
    const source = Readable.from([Buffer.from('never read')]);
    const reader = readerOf(source);
    const received = await receiveRequestBody(reader, {}, unsigned, 1 << 20);
    await expect(readAllOf(received.body as Readable)).rejects.toMatchObject({ code: 'MissingContentLength' });
    expect(reader.bodySource.bytesRead).toBe(0);
  });
});

async function readAllOf(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const piece of stream) parts.push(piece as Buffer);
  return Buffer.concat(parts);
}

describe('storedContentEncoding', () => {
  it.each([
    [undefined, undefined],
    ['aws-chunked', undefined],
    ['gzip, aws-chunked', 'gzip'],
    ['aws-chunked,gzip', 'gzip'],
    ['AWS-Chunked', undefined],
    ['gzip', 'gzip'],
    ['gzip, br', 'gzip, br'],
  ])('%j → %j', (header, stored) => {
    expect(storedContentEncoding(header)).toBe(stored);
  });
});
