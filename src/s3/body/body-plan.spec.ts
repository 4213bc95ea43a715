import { describe, expect, it } from '@jest/globals';
import type { AuthContext } from '../auth/sigv4.types.js';
import { S3Error } from '../errors/s3-error.js';
import { planRequestBody } from './body-plan.js';

const SHA_HELLO = 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9'; // sha256('hello world')
const auth = (payloadHash: string): AuthContext => ({
  accessKeyId: 'AKIDLOCAL',
  region: 'us-east-1',
  amzDate: '20261126T061035Z',
  scope: '20261126/us-east-1/s3/aws4_request',
  signingKey: Buffer.alloc(32),
  seedSignature: '0'.repeat(64),
  presigned: false,
  payloadHash,
});
const unsignedTrailer = {
  'x-amz-decoded-content-length': '11',
  'transfer-encoding': 'chunked',
  'content-encoding': 'aws-chunked',
};

function refusal(headers: Record<string, string>, payloadHash = SHA_HELLO, maxSize = 1000): S3Error {
  try {
    planRequestBody(headers, auth(payloadHash), maxSize);
  } catch (err) {
    if (err instanceof S3Error) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('planRequestBody: what is refused before a byte is read', () => {
  it.each<[string, Record<string, string>, string, string, RegExp]>([
    ['no Content-Length and no chunked transfer', {}, SHA_HELLO, 'MissingContentLength', /Content-Length/],
    [
      'aws-chunked without x-amz-decoded-content-length',
      { 'transfer-encoding': 'chunked' },
      'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'MissingContentLength',
      /x-amz-decoded-content-length/,
    ],
    [
      'a Content-Length that is not a number',
      { 'content-length': '1e3' },
      SHA_HELLO,
      'InvalidArgument',
      /content-length/,
    ],
    ['Content-Length above the limit', { 'content-length': '1001' }, SHA_HELLO, 'EntityTooLarge', /maximum allowed/],
    [
      'x-amz-decoded-content-length above the limit',
      { ...unsignedTrailer, 'x-amz-decoded-content-length': '5000' },
      'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'EntityTooLarge',
      /maximum allowed/,
    ],
    [
      'a Content-MD5 that is not base64 of 16 bytes',
      { 'content-length': '11', 'content-md5': 'XrY7u+Ae7tCTyyK7j1rNww' },
      SHA_HELLO,
      'InvalidDigest',
      /not valid/,
    ],
    [
      'a checksum value of the wrong length',
      { 'content-length': '11', 'x-amz-checksum-crc32': 'AAAAAAAAAAA=' },
      SHA_HELLO,
      'InvalidRequest',
      /Value for x-amz-checksum-crc32 header is invalid/,
    ],
    [
      'a checksum value that is not base64',
      { 'content-length': '11', 'x-amz-checksum-sha1': 'not base64!' },
      SHA_HELLO,
      'InvalidRequest',
      /x-amz-checksum-sha1 header is invalid/,
    ],
    [
      'two checksum headers',
      {
        'content-length': '11',
        'x-amz-checksum-crc32': 'DUoRhQ==',
        'x-amz-checksum-sha1': 'Kq5sNclPz7QV2+lfQIuc6R7oRu0=',
      },
      SHA_HELLO,
      'InvalidRequest',
      /single x-amz-checksum- header/,
    ],
    [
      'an unknown checksum algorithm header',
      { 'content-length': '11', 'x-amz-checksum-md4': 'AAAAAA==' },
      SHA_HELLO,
      'InvalidRequest',
      /algorithm type/,
    ],
    [
      'x-amz-sdk-checksum-algorithm naming another algorithm',
      { 'content-length': '11', 'x-amz-checksum-crc32': 'DUoRhQ==', 'x-amz-sdk-checksum-algorithm': 'SHA256' },
      SHA_HELLO,
      'InvalidRequest',
      /mismatch/,
    ],
    [
      'x-amz-sdk-checksum-algorithm without any checksum',
      { 'content-length': '11', 'x-amz-sdk-checksum-algorithm': 'CRC32' },
      SHA_HELLO,
      'InvalidRequest',
      /no corresponding/,
    ],
    [
      'x-amz-sdk-checksum-algorithm we do not verify',
      { 'content-length': '11', 'x-amz-sdk-checksum-algorithm': 'XXHASH64' },
      SHA_HELLO,
      'InvalidRequest',
      /unsupported/,
    ],
    [
      'x-amz-trailer on a plain (non-trailer) payload',
      { 'content-length': '11', 'x-amz-trailer': 'x-amz-checksum-crc32' },
      SHA_HELLO,
      'InvalidRequest',
      /x-amz-trailer needs/,
    ],
    [
      'x-amz-trailer naming something else than a checksum',
      { ...unsignedTrailer, 'x-amz-trailer': 'x-amz-meta-late' },
      'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'InvalidRequest',
      /not supported/,
    ],
    [
      'a checksum header and a checksum trailer',
      { ...unsignedTrailer, 'x-amz-trailer': 'x-amz-checksum-crc32', 'x-amz-checksum-crc32': 'DUoRhQ==' },
      'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'InvalidRequest',
      /single/,
    ],
    [
      'a SigV4a streaming payload',
      unsignedTrailer,
      'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD',
      'NotImplemented',
      /SigV4a/,
    ],
  ])('%s', (_name, headers, payloadHash, code, message) => {
    const err = refusal(headers, payloadHash);
    expect([err.code, err.message]).toEqual([code, expect.stringMatching(message)]);
  });
});

describe('planRequestBody: accepted requests', () => {
  it('a hex sha256 payload with Content-MD5 and a CRC32 header (botocore over http)', () => {
    const plan = planRequestBody(
      {
        'content-length': '11',
        'content-md5': 'XrY7u+Ae7tCTyyK7j1rNww==',
        'x-amz-checksum-crc32': 'DUoRhQ==',
        'x-amz-sdk-checksum-algorithm': 'CRC32',
        'x-amz-checksum-mode': 'ENABLED',
      },
      auth(SHA_HELLO),
      1000,
    );
    expect(plan).toEqual({
      mode: 'sha256',
      contentLength: 11,
      decodedLength: 11,
      expectedSha256: SHA_HELLO,
      expectedMd5: Buffer.from('5eb63bbbe01eeed093cb22bb8f5acdc3', 'hex'),
      headerChecksum: { algorithm: 'crc32', value: 'DUoRhQ==' },
      trailerChecksum: undefined,
    });
  });

  it('an unsigned-trailer upload without Content-Length (the JS SDK with a stream body)', () => {
    const plan = planRequestBody(
      { ...unsignedTrailer, 'x-amz-trailer': 'x-amz-checksum-crc64nvme', 'x-amz-sdk-checksum-algorithm': 'crc64nvme' },
      auth('STREAMING-UNSIGNED-PAYLOAD-TRAILER'),
      1000,
    );
    expect([plan.mode, plan.contentLength, plan.decodedLength, plan.trailerChecksum]).toEqual([
      'streaming-unsigned-trailer',
      undefined,
      11,
      'crc64nvme',
    ]);
  });

  it('an object exactly at the size limit', () => {
    expect(planRequestBody({ 'content-length': '1000' }, auth('UNSIGNED-PAYLOAD'), 1000).decodedLength).toBe(1000);
  });
});
