import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createHash, createHmac } from 'node:crypto';
import { S3Error } from '../errors/s3-error.js';
import { AwsChunkedParser, type AwsChunkedOptions } from './aws-chunked.parser.js';

// Any chunking of any body, cut into any pieces on the way in, decodes to the body. The encoder and the chunk
// signatures here are written from the AWS page (sigv4-streaming) with node:crypto, not with the parser's helpers.
const KEY = createHmac('sha256', 'k').update('signing key').digest();
const DATE = '20260102T030405Z';
const SCOPE = '20260102/us-east-1/s3/aws4_request';
const SEED = 'a'.repeat(64);
const EMPTY = createHash('sha256').digest('hex');
const hex = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const sign = (previous: string, data: Buffer) =>
  createHmac('sha256', KEY)
    .update(['AWS4-HMAC-SHA256-PAYLOAD', DATE, SCOPE, previous, EMPTY, hex(data)].join('\n'))
    .digest('hex');

/** Splits `body` into chunks of the given sizes (cycled), the last one taking the rest. */
function chunksOf(body: Buffer, sizes: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < body.length; i++) {
    const size = sizes[i % sizes.length];
    chunks.push(body.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

function encode(chunks: Buffer[], signed: boolean, trailer?: string): Buffer {
  const parts: Buffer[] = [];
  let previous = SEED;
  for (const chunk of [...chunks, Buffer.alloc(0)]) {
    let head = chunk.length.toString(16);
    if (signed) {
      previous = sign(previous, chunk);
      head += `;chunk-signature=${previous}`;
    }
    parts.push(Buffer.from(`${head}\r\n`), chunk);
    if (chunk.length > 0) parts.push(Buffer.from('\r\n'));
  }
  if (trailer !== undefined) {
    parts.push(Buffer.from(`${trailer}\r\n`));
    if (signed) {
      // sigv4-streaming-trailers: AWS4-HMAC-SHA256-TRAILER over the sha256 of the trailer lines.
      const toSign = ['AWS4-HMAC-SHA256-TRAILER', DATE, SCOPE, previous, hex(Buffer.from(`${trailer}\n`))].join('\n');
      parts.push(Buffer.from(`x-amz-trailer-signature:${createHmac('sha256', KEY).update(toSign).digest('hex')}\r\n`));
    }
  }
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

function decode(
  options: AwsChunkedOptions,
  wire: Buffer,
  cuts: number[],
): { body: Buffer; trailers: Map<string, string> } {
  const parser = new AwsChunkedParser(options);
  const out: Buffer[] = [];
  let from = 0;
  for (const to of [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b).concat(wire.length)) {
    out.push(...parser.feed(wire.subarray(from, to)));
    from = to;
  }
  return { body: Buffer.concat(out), trailers: parser.finish() };
}

const body = fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a));
const sizes = fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 });
const cuts = fc.array(fc.nat(), { maxLength: 20 });
const signing = { signingKey: KEY, amzDate: DATE, scope: SCOPE, seedSignature: SEED };

describe('AwsChunkedParser (properties)', () => {
  it('unsigned framing: any chunking, fed in any pieces, decodes to the body', () => {
    fc.assert(
      fc.property(body, sizes, cuts, (data, s, c) => {
        expect(decode({ trailers: false }, encode(chunksOf(data, s), false), c).body.equals(data)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('signed framing with a trailer: any chunking decodes to the body and hands the trailer back', () => {
    fc.assert(
      fc.property(body, sizes, cuts, (data, s, c) => {
        const wire = encode(chunksOf(data, s), true, 'x-amz-checksum-crc32:AAAAAA==');
        const { body: decoded, trailers } = decode({ signing, trailers: true }, wire, c);
        expect(decoded.equals(data)).toBe(true);
        expect(Object.fromEntries(trailers)).toEqual({ 'x-amz-checksum-crc32': 'AAAAAA==' });
      }),
      { numRuns: 300 },
    );
  });

  it('signed framing: changing any one byte of the data is refused (SignatureDoesNotMatch)', () => {
    fc.assert(
      fc.property(
        body.filter((b) => b.length > 0),
        sizes,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (data, s, at, delta) => {
          const chunks = chunksOf(data, s);
          const wire = encode(chunks, true);
          // Locate the byte inside the chunk data of the wire body: only data bytes, so the framing stays valid.
          const target = at % data.length;
          let offset = 0;
          let seen = 0;
          for (const chunk of chunks) {
            offset += `${chunk.length.toString(16)};chunk-signature=${'0'.repeat(64)}\r\n`.length;
            if (target < seen + chunk.length) {
              offset += target - seen;
              break;
            }
            offset += chunk.length + 2;
            seen += chunk.length;
          }
          const tampered = Buffer.from(wire);
          tampered[offset] = (tampered[offset] + delta) % 256;
          let error: unknown;
          try {
            decode({ signing, trailers: false }, tampered, []);
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(S3Error);
          expect((error as S3Error).code).toBe('SignatureDoesNotMatch');
        },
      ),
      { numRuns: 300 },
    );
  });
});
