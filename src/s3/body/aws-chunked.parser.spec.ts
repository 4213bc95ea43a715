import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { deriveSigningKey } from '../auth/sigv4-crypto.js';
import { S3Error } from '../errors/s3-error.js';
import { AwsChunkedOptions, AwsChunkedParser } from './aws-chunked.parser.js';
import { canonicalTrailers, chunkSignature, trailerSignature } from './chunk-signature.js';

// AWS S3 API reference examples (sigv4-streaming, sigv4-streaming-trailers): 65536 + 1024 bytes of 'a'.
const CTX = {
  signingKey: deriveSigningKey('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '20130524', 'us-east-1'),
  amzDate: '20130524T000000Z',
  scope: '20130524/us-east-1/s3/aws4_request',
};
const CHUNKS = [Buffer.alloc(65536, 'a'), Buffer.alloc(1024, 'a')];
const PLAIN = {
  seed: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
  chunks: [
    'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
    '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
  ],
  final: 'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
};
const TRAILER = {
  seed: '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e',
  chunks: [
    'b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2',
    '1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7',
  ],
  final: '2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992',
  trailer: 'd81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435',
};
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function signedBody(sigs: { chunks: string[]; final: string }, tail: string, chunks = CHUNKS): Buffer {
  const parts = chunks.flatMap((c, i) => [
    Buffer.from(`${c.length.toString(16)};chunk-signature=${sigs.chunks[i]}\r\n`),
    c,
    Buffer.from('\r\n'),
  ]);
  return Buffer.concat([...parts, Buffer.from(`0;chunk-signature=${sigs.final}\r\n${tail}`)]);
}
const PLAIN_BODY = signedBody(PLAIN, '\r\n');
const TRAILER_BODY = signedBody(
  TRAILER,
  `x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:${TRAILER.trailer}\r\n\r\n`,
);
const plainOptions: AwsChunkedOptions = { signing: { ...CTX, seedSignature: PLAIN.seed }, trailers: false };
const trailerOptions: AwsChunkedOptions = { signing: { ...CTX, seedSignature: TRAILER.seed }, trailers: true };

/** Feeds `body` in the given pieces; returns the decoded bytes and trailers. */
function decode(
  options: AwsChunkedOptions,
  body: Buffer,
  cuts: number[] = [],
): { data: Buffer; trailers: Map<string, string> } {
  const parser = new AwsChunkedParser(options);
  const out: Buffer[] = [];
  let from = 0;
  for (const to of [...cuts, body.length]) {
    out.push(...parser.feed(body.subarray(from, to)));
    from = to;
  }
  return { data: Buffer.concat(out), trailers: parser.finish() };
}

function failure(run: () => unknown): S3Error {
  try {
    run();
  } catch (err) {
    if (err instanceof S3Error) return err;
    throw err;
  }
  throw new Error('decoded without error');
}

/** Deterministic pseudo-random cut points (xorshift), so a failure is reproducible. */
function randomCuts(length: number, seed: number): number[] {
  const cuts: number[] = [];
  let x = seed;
  for (let at = 0; ;) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    at += 1 + ((x >>> 0) % 300);
    if (at >= length) return cuts;
    cuts.push(at);
  }
}
const everyByte = (length: number) => Array.from({ length: length - 1 }, (_, i) => i + 1);

describe('chunk and trailer signatures: the AWS examples re-derived', () => {
  it.each([
    ['chunk 1 (65536 bytes)', PLAIN.seed, CHUNKS[0], PLAIN.chunks[0]],
    ['chunk 2 (1024 bytes)', PLAIN.chunks[0], CHUNKS[1], PLAIN.chunks[1]],
    ['final chunk (0 bytes)', PLAIN.chunks[1], Buffer.alloc(0), PLAIN.final],
    ['trailer variant, chunk 1', TRAILER.seed, CHUNKS[0], TRAILER.chunks[0]],
    ['trailer variant, chunk 2', TRAILER.chunks[0], CHUNKS[1], TRAILER.chunks[1]],
    ['trailer variant, final chunk', TRAILER.chunks[1], Buffer.alloc(0), TRAILER.final],
  ])('%s', (_name, previous, data, expected) => {
    expect(chunkSignature(CTX, previous, sha256(data))).toBe(expected);
  });

  it('trailer x-amz-checksum-crc32c:sOO8/Q==', () => {
    expect(trailerSignature(CTX, TRAILER.final, canonicalTrailers([['x-amz-checksum-crc32c', 'sOO8/Q==']]))).toBe(
      TRAILER.trailer,
    );
  });
});

describe('AwsChunkedParser on the AWS examples', () => {
  it('the framed example is the published Content-Length (66824) and decodes to 66560 bytes of "a"', () => {
    expect(PLAIN_BODY.length).toBe(66824);
    const { data, trailers } = decode(plainOptions, PLAIN_BODY);
    expect(data.equals(Buffer.alloc(66560, 'a'))).toBe(true);
    expect(trailers.size).toBe(0);
  });

  it.each([
    ['one byte at a time', everyByte(PLAIN_BODY.length)],
    ...[1, 2, 3, 4, 5].map(
      (seed) => [`random split #${seed}`, randomCuts(PLAIN_BODY.length, seed)] as [string, number[]],
    ),
    ['inside ";chunk-signature=" and between \\r and \\n', [3, 9, 87, 65624, 65625, 66820, 66823]],
  ])('decodes the same when split %s', (_name, cuts) => {
    expect(decode(plainOptions, PLAIN_BODY, cuts).data.equals(Buffer.alloc(66560, 'a'))).toBe(true);
  });

  it('the trailer example decodes and yields its crc32c trailer, whole or byte by byte', () => {
    for (const cuts of [[], everyByte(TRAILER_BODY.length), randomCuts(TRAILER_BODY.length, 7)]) {
      const { data, trailers } = decode(trailerOptions, TRAILER_BODY, cuts);
      expect(data.length).toBe(66560);
      expect(Object.fromEntries(trailers)).toEqual({ 'x-amz-checksum-crc32c': 'sOO8/Q==' });
    }
  });
});

describe('AwsChunkedParser refusals', () => {
  const flip = (body: Buffer, at: number, to: string) =>
    Buffer.concat([body.subarray(0, at), Buffer.from(to), body.subarray(at + 1)]);

  it.each<[string, AwsChunkedOptions, Buffer, string, RegExp]>([
    [
      'a changed byte in chunk 1',
      plainOptions,
      flip(PLAIN_BODY, 1000, 'b'),
      'SignatureDoesNotMatch',
      /chunk signature/,
    ],
    [
      'a changed chunk-signature',
      plainOptions,
      flip(PLAIN_BODY, 30, PLAIN_BODY[30] === 0x30 ? '1' : '0'),
      'SignatureDoesNotMatch',
      /chunk signature/,
    ],
    [
      'chunks in another order',
      plainOptions,
      signedBody({ chunks: [PLAIN.chunks[1], PLAIN.chunks[0]], final: PLAIN.final }, '\r\n', [CHUNKS[1], CHUNKS[0]]),
      'SignatureDoesNotMatch',
      /chunk signature/,
    ],
    [
      'the wrong seed',
      { ...plainOptions, signing: { ...CTX, seedSignature: TRAILER.seed } },
      PLAIN_BODY,
      'SignatureDoesNotMatch',
      /chunk signature/,
    ],
    [
      'a changed trailer value',
      trailerOptions,
      Buffer.from(TRAILER_BODY.toString('latin1').replace('sOO8/Q==', 'AAAAAA=='), 'latin1'),
      'SignatureDoesNotMatch',
      /trailer signature/,
    ],
    [
      'a missing trailer signature',
      trailerOptions,
      signedBody(TRAILER, 'x-amz-checksum-crc32c:sOO8/Q==\r\n\r\n'),
      'SignatureDoesNotMatch',
      /trailer signature/,
    ],
    [
      'a signed body cut before its trailer signature',
      trailerOptions,
      signedBody(TRAILER, 'x-amz-checksum-crc32c:sOO8/Q==\r\n'),
      'SignatureDoesNotMatch',
      /trailer signature/,
    ],
    [
      'a signed body cut before its trailers',
      trailerOptions,
      signedBody(TRAILER, ''),
      'SignatureDoesNotMatch',
      /trailer signature/,
    ],
    [
      'a chunk header without its signature',
      plainOptions,
      Buffer.from('3\r\nabc\r\n0\r\n\r\n'),
      'InvalidRequest',
      /bad chunk header/,
    ],
    ['data not followed by CRLF', { trailers: true }, Buffer.from('3\r\nabcX\r\n0\r\n\r\n'), 'InvalidRequest', /CRLF/],
    ['a size that is not hex', { trailers: true }, Buffer.from('zz\r\n'), 'InvalidRequest', /bad chunk header/],
    ['a line ended by LF alone', { trailers: true }, Buffer.from('3\nabc\r\n'), 'InvalidRequest', /CRLF/],
    [
      'bytes after the end',
      { trailers: false },
      Buffer.from('3\r\nabc\r\n0\r\n\r\nmore'),
      'InvalidRequest',
      /after the end/,
    ],
    [
      'trailers in a variant without them',
      { trailers: false },
      Buffer.from('3\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n'),
      'InvalidRequest',
      /trailing headers/,
    ],
    [
      'a chunk header line longer than 4 KiB',
      { trailers: true },
      Buffer.from(`3;${'x'.repeat(5000)}`),
      'InvalidRequest',
      /too long/,
    ],
    [
      'a body cut inside chunk data',
      { trailers: true },
      Buffer.from('10\r\nabc'),
      'IncompleteBody',
      /final 0-length chunk/,
    ],
    [
      'a body cut before the final chunk',
      plainOptions,
      PLAIN_BODY.subarray(0, 65626),
      'IncompleteBody',
      /final 0-length chunk/,
    ],
  ])('%s', (_name, options, body, code, message) => {
    const err = failure(() => decode(options, body));
    expect([err.code, err.message]).toEqual([code, expect.stringMatching(message)]);
  });

  it('refuses a tampered chunk while it is being fed, before the body ends', () => {
    const parser = new AwsChunkedParser(plainOptions);
    const tampered = flip(PLAIN_BODY, 1000, 'b');
    expect(() => parser.feed(tampered.subarray(0, 65626))).toThrow(
      expect.objectContaining({ code: 'SignatureDoesNotMatch' }),
    );
  });
});

describe('AwsChunkedParser, unsigned framing as real clients send it', () => {
  it.each<[string, string, string, Record<string, string>]>([
    [
      'botocore 1.43 (https PutObject)',
      '34\r\n{"id": 17, "result": [], "note": "caf\\u00e9 + 100%"}\r\n0\r\nx-amz-checksum-crc32:8OQvkA==\r\n\r\n',
      '{"id": 17, "result": [], "note": "caf\\u00e9 + 100%"}',
      { 'x-amz-checksum-crc32': '8OQvkA==' },
    ],
    [
      '@smithy getAwsChunkedEncodingStream with a checksum',
      '5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n',
      'hello world',
      { 'x-amz-checksum-crc32': 'DUoRhQ==' },
    ],
    ['@smithy getAwsChunkedEncodingStream without a checksum (no final CRLF)', '5\r\nhello\r\n0\r\n', 'hello', {}],
    [
      'a last trailer line without its CRLF',
      '5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==',
      'hello',
      { 'x-amz-checksum-crc32': 'NhCmhg==' },
    ],
    ['data containing CRLF and chunk-like text', 'c\r\n0\r\n\r\n5\r\nab\r\n\r\n0\r\n\r\n', '0\r\n\r\n5\r\nab\r\n', {}],
    ['uppercase hex and a chunk extension', 'A;ext=1\r\n0123456789\r\n0\r\n\r\n', '0123456789', {}],
  ])('%s', (_name, wire, payload, trailers) => {
    const body = Buffer.from(wire, 'latin1');
    for (const cuts of [[], everyByte(body.length)]) {
      const decoded = decode({ trailers: true }, body, cuts);
      expect(decoded.data.toString('latin1')).toBe(payload);
      expect(Object.fromEntries(decoded.trailers)).toEqual(trailers);
    }
  });
});
