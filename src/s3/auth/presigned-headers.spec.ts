import { describe, expect, it } from '@jest/globals';
import { S3Error } from '../errors/s3-error.js';
import { canonicalQueryString, canonicalRequest } from './sigv4-canonical.js';
import { deriveSigningKey, sha256Hex, signHex } from './sigv4-crypto.js';
import { authenticate } from './sigv4-verifier.js';
import type { IncomingSignedRequest } from './sigv4.types.js';
import { secretLookup } from '../../../test/support/secret-lookup.js';

// A presigned URL is handed to someone who does not hold the secret: whatever that holder adds to the request
// must not change what the signer allowed. Every x-amz-* header must therefore be signed, as with header auth
// (AWS answers AccessDenied "There were headers present in the request which were not signed").
const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'presign-secret' };
const REGION = 'us-east-1';
const NOW = new Date('2026-01-02T03:04:05Z');
const AMZ_DATE = '20260102T030405Z';

/** A presigned PUT of `path` signed over `host` (plus `signedExtra`), as boto3's generate_presigned_url builds it. */
function presignedPut(
  path: string,
  extraQuery: Record<string, string> = {},
  signedExtra: Record<string, string> = {},
): { rawQuery: string; headers: Record<string, string> } {
  const headers = { host: 'localhost:8000', ...signedExtra };
  const signedHeaders = Object.keys(headers).sort().join(';');
  const params = new URLSearchParams({
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${CREDS.accessKeyId}/20260102/${REGION}/s3/aws4_request`,
    'X-Amz-Date': AMZ_DATE,
    'X-Amz-Expires': '3600',
    'X-Amz-SignedHeaders': signedHeaders,
    ...extraQuery,
  });
  const rawQuery = params.toString().replace(/\+/g, '%20');
  const canonical = canonicalRequest({
    method: 'PUT',
    rawPath: path,
    canonicalQuery: canonicalQueryString(rawQuery),
    canonicalHeaders: Object.keys(headers)
      .sort()
      .map((n) => `${n}:${headers[n as keyof typeof headers]}\n`)
      .join(''),
    signedHeaders,
    payloadHash: 'UNSIGNED-PAYLOAD',
  });
  const toSign = ['AWS4-HMAC-SHA256', AMZ_DATE, `20260102/${REGION}/s3/aws4_request`, sha256Hex(canonical)].join('\n');
  const signature = signHex(deriveSigningKey(CREDS.secretAccessKey, '20260102', REGION), toSign);
  return { rawQuery: `${rawQuery}&X-Amz-Signature=${signature}`, headers };
}

function refusal(req: IncomingSignedRequest): S3Error {
  try {
    authenticate(req, secretLookup([CREDS]), REGION, NOW);
  } catch (error) {
    return error as S3Error;
  }
  throw new Error('the request was accepted');
}

describe('presigned URLs: the holder cannot add unsigned x-amz-* headers', () => {
  const url = presignedPut('/annotations/uploads/mine');
  const request = (headers: Record<string, string>): IncomingSignedRequest => ({
    method: 'PUT',
    rawPath: '/annotations/uploads/mine',
    rawQuery: url.rawQuery,
    headers: { ...url.headers, ...headers },
  });

  it('the URL as signed is accepted (the refusals below are about the added headers only)', () => {
    expect(
      authenticate(request({ 'content-type': 'application/json' }), secretLookup([CREDS]), REGION, NOW).presigned,
    ).toBe(true);
  });

  it.each([
    [
      'x-amz-copy-source turns the PUT into a copy of any object',
      { 'x-amz-copy-source': '/annotations/secret/x.json' },
    ],
    ['x-amz-meta-* would be stored as metadata', { 'x-amz-meta-owner': 'mallory' }],
    ['x-amz-tagging', { 'x-amz-tagging': 'a=b' }],
    ['x-amz-storage-class', { 'x-amz-storage-class': 'GLACIER' }],
  ])('%s: AccessDenied naming the header', (_what, extra) => {
    const err = refusal(request(extra));
    expect(err.code).toBe('AccessDenied');
    expect(err.message).toMatch(/not signed/);
    expect(err.details.HeadersNotSigned).toBe(Object.keys(extra)[0]);
  });

  it('a header the signer signed is accepted', () => {
    const signedMeta = presignedPut('/annotations/uploads/mine', {}, { 'x-amz-meta-owner': 'alice' });
    const req: IncomingSignedRequest = {
      method: 'PUT',
      rawPath: '/annotations/uploads/mine',
      rawQuery: signedMeta.rawQuery,
      headers: signedMeta.headers,
    };
    expect(authenticate(req, secretLookup([CREDS]), REGION, NOW).presigned).toBe(true);
  });

  it('a header hoisted into the signed query may also travel as a header with the same value, not another one', () => {
    // The JS SDK presigner moves x-amz-* headers into the query; a client may still send them as headers.
    const hoisted = presignedPut('/annotations/uploads/mine', { 'x-amz-meta-owner': 'alice' });
    const req = (value: string): IncomingSignedRequest => ({
      method: 'PUT',
      rawPath: '/annotations/uploads/mine',
      rawQuery: hoisted.rawQuery,
      headers: { ...hoisted.headers, 'x-amz-meta-owner': value },
    });
    expect(authenticate(req('alice'), secretLookup([CREDS]), REGION, NOW).presigned).toBe(true);
    expect(refusal(req('mallory')).details.HeadersNotSigned).toBe('x-amz-meta-owner');
  });
});

describe('presigned URLs: x-amz-content-sha256 is covered by the signature itself', () => {
  it('an unsigned x-amz-content-sha256 header is the payload hash of the canonical request: a changed one breaks the signature', () => {
    const url = presignedPut('/annotations/uploads/mine');
    const req = (hash: string): IncomingSignedRequest => ({
      method: 'PUT',
      rawPath: '/annotations/uploads/mine',
      rawQuery: url.rawQuery,
      headers: { ...url.headers, 'x-amz-content-sha256': hash },
    });
    expect(authenticate(req('UNSIGNED-PAYLOAD'), secretLookup([CREDS]), REGION, NOW).payloadHash).toBe(
      'UNSIGNED-PAYLOAD',
    );
    expect(refusal(req('0'.repeat(64))).code).toBe('SignatureDoesNotMatch');
  });
});
