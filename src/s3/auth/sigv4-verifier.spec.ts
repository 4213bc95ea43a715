import { describe, expect, it } from '@jest/globals';
import { S3Error } from '../errors/s3-error.js';
import { deriveSigningKey, signHex } from './sigv4-crypto.js';
import { authenticate } from './sigv4-verifier.js';
import type { IncomingSignedRequest } from './sigv4.types.js';
import { secretLookup } from '../../../test/support/secret-lookup.js';

// The examples of the AWS S3 API reference (sig-v4-header-based-auth, sigv4-query-string-auth, sigv4-streaming,
// sigv4-streaming-trailers): these credentials, 20130524T000000Z, us-east-1.
const CREDS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const REGION = 'us-east-1';
const AT = new Date('2013-05-24T00:00:00Z');
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const CRED = 'AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request';

/** Signs (as the AWS examples did) every header given, except Content-Length in the trailer example, which leaves it out. */
function signed(
  method: string,
  path: string,
  query: string,
  headers: Record<string, string>,
  signature: string,
): IncomingSignedRequest {
  const signedHeaders = Object.keys(headers)
    .filter((n) => n !== 'content-length' || headers['x-amz-trailer'] === undefined)
    .sort()
    .join(';');
  return {
    method,
    rawPath: path,
    rawQuery: query,
    headers: {
      ...headers,
      authorization: `AWS4-HMAC-SHA256 Credential=${CRED}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    },
  };
}

const hostAndDate = { host: 'examplebucket.s3.amazonaws.com', 'x-amz-date': '20130524T000000Z' };
const getObject = signed(
  'GET',
  '/test.txt',
  '',
  { ...hostAndDate, range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY },
  'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
);
const presignQuery = (expires: string, signature: string) =>
  `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${encodeURIComponent(CRED)}&X-Amz-Date=20130524T000000Z&X-Amz-Expires=${expires}&X-Amz-SignedHeaders=host&X-Amz-Signature=${signature}`;
const presigned: IncomingSignedRequest = {
  method: 'GET',
  rawPath: '/test.txt',
  rawQuery: presignQuery('86400', 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404'),
  headers: { host: 'examplebucket.s3.amazonaws.com' },
};
const streamingHeaders = {
  host: 's3.amazonaws.com',
  'x-amz-date': '20130524T000000Z',
  'x-amz-storage-class': 'REDUCED_REDUNDANCY',
  'content-encoding': 'aws-chunked',
  'x-amz-decoded-content-length': '66560',
};

describe('authenticate: the published AWS SigV4 examples verify', () => {
  it.each<[string, IncomingSignedRequest, string]>([
    ['GET Object with Range', getObject, 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41'],
    [
      'PUT Object /test$file.text',
      signed(
        'PUT',
        '/test%24file.text',
        '',
        {
          ...hostAndDate,
          date: 'Fri, 24 May 2013 00:00:00 GMT',
          'x-amz-storage-class': 'REDUCED_REDUNDANCY',
          'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
        },
        '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
      ),
      '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
    ],
    [
      'GET Bucket Lifecycle',
      signed(
        'GET',
        '/',
        'lifecycle',
        { ...hostAndDate, 'x-amz-content-sha256': EMPTY },
        'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543',
      ),
      'fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543',
    ],
    [
      'GET Bucket (list)',
      signed(
        'GET',
        '/',
        'max-keys=2&prefix=J',
        { ...hostAndDate, 'x-amz-content-sha256': EMPTY },
        '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
      ),
      '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
    ],
    ['presigned GET', presigned, 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404'],
    [
      'chunked upload seed',
      signed(
        'PUT',
        '/examplebucket/chunkObject.txt',
        '',
        {
          ...streamingHeaders,
          'content-length': '66824',
          'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        },
        '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
      ),
      '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
    ],
    [
      'chunked upload with trailer, seed',
      signed(
        'PUT',
        '/examplebucket/chunkObject.txt',
        '',
        {
          ...streamingHeaders,
          'content-length': '66946',
          'x-amz-trailer': 'x-amz-checksum-crc32c',
          'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
        },
        '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e',
      ),
      '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e',
    ],
  ])('%s', (_name, req, signature) => {
    const ctx = authenticate(req, secretLookup([CREDS]), REGION, AT);
    expect(ctx.seedSignature).toBe(signature);
    expect(ctx.scope).toBe('20130524/us-east-1/s3/aws4_request');
    expect(ctx.amzDate).toBe('20130524T000000Z');
    expect(ctx.presigned).toBe(req === presigned);
    expect(ctx.payloadHash).toBe(req === presigned ? 'UNSIGNED-PAYLOAD' : req.headers['x-amz-content-sha256']);
  });
});

function refusal(req: IncomingSignedRequest, now = AT, creds = CREDS, region = REGION): S3Error {
  try {
    authenticate(req, secretLookup([creds]), region, now);
  } catch (err) {
    if (err instanceof S3Error) return err;
    throw err;
  }
  throw new Error('the request was accepted');
}

const withHeaders = (
  req: IncomingSignedRequest,
  headers: Record<string, string | undefined>,
): IncomingSignedRequest => ({ ...req, headers: { ...req.headers, ...headers } });
const minutes = (n: number) => new Date(AT.getTime() + n * 60_000);
const authz = (value: string) => withHeaders(getObject, { authorization: value });

describe('authenticate: refusals', () => {
  it.each<[string, () => S3Error, string, RegExp]>([
    ['no signature at all', () => refusal({ ...getObject, headers: { host: 'h' } }), 'AccessDenied', /Anonymous/],
    [
      'an unknown access key',
      () => refusal(getObject, AT, { ...CREDS, accessKeyId: 'AKIDOTHER' }),
      'InvalidAccessKeyId',
      /does not exist in our records/,
    ],
    [
      'the wrong secret',
      () => refusal(getObject, AT, { ...CREDS, secretAccessKey: 'not-the-secret' }),
      'SignatureDoesNotMatch',
      /signature we calculated does not match/,
    ],
    [
      'a tampered path',
      () => refusal({ ...getObject, rawPath: '/test2.txt' }),
      'SignatureDoesNotMatch',
      /does not match/,
    ],
    [
      'a path sent with // collapsed',
      () => refusal({ ...getObject, rawPath: '//test.txt' }),
      'SignatureDoesNotMatch',
      /does not match/,
    ],
    [
      'a tampered signed header',
      () => refusal(withHeaders(getObject, { range: 'bytes=0-10' })),
      'SignatureDoesNotMatch',
      /does not match/,
    ],
    [
      'an added query parameter',
      () => refusal({ ...getObject, rawQuery: 'x=1' }),
      'SignatureDoesNotMatch',
      /does not match/,
    ],
    [
      'clock 16 minutes ahead of the request',
      () => refusal(getObject, minutes(16)),
      'RequestTimeTooSkewed',
      /too large/,
    ],
    [
      'clock 16 minutes behind the request',
      () => refusal(getObject, minutes(-16)),
      'RequestTimeTooSkewed',
      /too large/,
    ],
    [
      'another region',
      () => refusal(getObject, AT, CREDS, 'eu-west-1'),
      'AuthorizationHeaderMalformed',
      /region 'us-east-1' is wrong; expecting 'eu-west-1'/,
    ],
    [
      'a scope date unlike x-amz-date',
      () => refusal(withHeaders(getObject, { 'x-amz-date': '20130525T000000Z' }), minutes(24 * 60)),
      'AuthorizationHeaderMalformed',
      /Invalid credential date/,
    ],
    [
      'another service',
      () => refusal(authz(getObject.headers.authorization!.toString().replace('/s3/', '/ec2/'))),
      'AuthorizationHeaderMalformed',
      /incorrect service "ec2"/,
    ],
    [
      'a mal-formed credential',
      () =>
        refusal(authz('AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524, SignedHeaders=host, Signature=00')),
      'AuthorizationHeaderMalformed',
      /Credential is mal-formed/,
    ],
    [
      'a missing Signature component',
      () => refusal(authz(`AWS4-HMAC-SHA256 Credential=${CRED}, SignedHeaders=host;x-amz-date`)),
      'AuthorizationHeaderMalformed',
      /three components/,
    ],
    [
      'host not signed',
      () =>
        refusal(
          authz(
            `AWS4-HMAC-SHA256 Credential=${CRED}, SignedHeaders=range;x-amz-content-sha256;x-amz-date, Signature=${'0'.repeat(64)}`,
          ),
        ),
      'AuthorizationHeaderMalformed',
      /'host' must be a signed header/,
    ],
    [
      'an x-amz-* header that was not signed',
      () => refusal(withHeaders(getObject, { 'x-amz-meta-added': 'later' })),
      'AccessDenied',
      /not signed/,
    ],
    [
      'a signed header that is absent',
      () => refusal(withHeaders(getObject, { range: undefined })),
      'MissingSecurityHeader',
      /range is missing/,
    ],
    [
      'neither x-amz-date nor Date',
      () => refusal(withHeaders(getObject, { 'x-amz-date': undefined })),
      'AccessDenied',
      /valid Date or x-amz-date/,
    ],
    [
      'a malformed x-amz-date',
      () => refusal(withHeaders(getObject, { 'x-amz-date': '2013-05-24T00:00:00Z' })),
      'AccessDenied',
      /valid Date or x-amz-date/,
    ],
    [
      'no x-amz-content-sha256',
      () =>
        refusal(
          withHeaders(
            authz(
              `AWS4-HMAC-SHA256 Credential=${CRED}, SignedHeaders=host;range;x-amz-date, Signature=${'0'.repeat(64)}`,
            ),
            { 'x-amz-content-sha256': undefined },
          ),
        ),
      'InvalidRequest',
      /x-amz-content-sha256/,
    ],
    [
      'an unknown x-amz-content-sha256',
      () => refusal(withHeaders(getObject, { 'x-amz-content-sha256': 'SOMETHING' })),
      'InvalidArgument',
      /must be UNSIGNED-PAYLOAD/,
    ],
    [
      'SigV4a streaming payload',
      () => refusal(withHeaders(getObject, { 'x-amz-content-sha256': 'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD' })),
      'NotImplemented',
      /SigV4a/,
    ],
    [
      'Signature Version 2',
      () => refusal(authz('AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=')),
      'NotImplemented',
      /Version 2/,
    ],
    [
      'Signature Version 4A',
      () => refusal(authz(`AWS4-ECDSA-P256-SHA256 Credential=${CRED}, SignedHeaders=host, Signature=00`)),
      'NotImplemented',
      /Version 4A/,
    ],
    ['an unknown scheme', () => refusal(authz('Bearer abc')), 'InvalidArgument', /Unsupported Authorization Type/],
    [
      'header and query auth together',
      () => refusal({ ...getObject, rawQuery: presigned.rawQuery }),
      'InvalidArgument',
      /Only one auth mechanism/,
    ],
  ])('%s', (_name, attempt, code, message) => {
    const err = attempt();
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  it('accepts a clock 14 minutes off either way', () => {
    expect(authenticate(getObject, secretLookup([CREDS]), REGION, minutes(14)).seedSignature).toHaveLength(64);
    expect(authenticate(getObject, secretLookup([CREDS]), REGION, minutes(-14)).seedSignature).toHaveLength(64);
  });

  it('explains a signature mismatch without leaking the secret or the signature it expected', () => {
    const err = refusal(getObject, AT, { ...CREDS, secretAccessKey: 'not-the-secret' });
    expect(err.details.CanonicalRequest).toBe(
      'GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n' +
        `x-amz-content-sha256:${EMPTY}\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n${EMPTY}`,
    );
    expect(err.details.StringToSign).toMatch(
      /^AWS4-HMAC-SHA256\n20130524T000000Z\n20130524\/us-east-1\/s3\/aws4_request\n[0-9a-f]{64}$/,
    );
    const everything = JSON.stringify({ message: err.message, details: err.details });
    expect(everything).not.toContain('not-the-secret');
    expect(everything).not.toContain(CREDS.secretAccessKey);
    // The signature the server computed would let the caller replay this exact request.
    const serverSignature = signHex(deriveSigningKey('not-the-secret', '20130524', REGION), err.details.StringToSign);
    expect(everything).not.toContain(serverSignature);
  });
});

describe('authenticate: presigned URL limits', () => {
  const at = (seconds: number) => new Date(AT.getTime() + seconds * 1000);
  const withQuery = (query: string): IncomingSignedRequest => ({ ...presigned, rawQuery: query });

  it('is valid up to the last second of X-Amz-Expires, and expired one second later', () => {
    expect(authenticate(presigned, secretLookup([CREDS]), REGION, at(86400)).presigned).toBe(true);
    const err = refusal(presigned, at(86401));
    expect([err.code, err.message]).toEqual(['AccessDenied', 'Request has expired']);
    expect(err.details['X-Amz-Expires']).toBe('86400');
  });

  it.each<[string, IncomingSignedRequest, Date, string, RegExp]>([
    [
      'X-Amz-Expires above a week',
      withQuery(presignQuery('604801', '0'.repeat(64))),
      AT,
      'AuthorizationQueryParametersError',
      /604800/,
    ],
    [
      'X-Amz-Expires of 0',
      withQuery(presignQuery('0', '0'.repeat(64))),
      AT,
      'AuthorizationQueryParametersError',
      /non-negative/,
    ],
    [
      'X-Amz-Expires not a number',
      withQuery(presignQuery('soon', '0'.repeat(64))),
      AT,
      'AuthorizationQueryParametersError',
      /number/,
    ],
    ['a date 16 minutes in the future', presigned, at(-16 * 60), 'AccessDenied', /not valid yet/],
    [
      'a missing X-Amz-SignedHeaders',
      withQuery(presigned.rawQuery.replace('&X-Amz-SignedHeaders=host', '')),
      AT,
      'AuthorizationQueryParametersError',
      /requires the X-Amz-Algorithm/,
    ],
    [
      'another algorithm',
      withQuery(presigned.rawQuery.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512')),
      AT,
      'AuthorizationQueryParametersError',
      /only supports/,
    ],
    [
      'another region',
      withQuery(presigned.rawQuery.replace('us-east-1', 'eu-west-1')),
      AT,
      'AuthorizationQueryParametersError',
      /region 'eu-west-1' is wrong/,
    ],
    [
      'a tampered response override',
      withQuery(`${presigned.rawQuery}&response-content-type=text%2Fhtml`),
      AT,
      'SignatureDoesNotMatch',
      /./,
    ],
    [
      'an expired Signature Version 2 URL',
      withQuery('AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1141889120&Signature=vjbyPxybdZaNmGa%2ByT272YEAiv4%3D'),
      AT,
      'AccessDenied',
      /Request has expired/,
    ],
  ])('refuses %s', (_name, req, now, code, message) => {
    const err = refusal(req, now);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  it('accepts a date 14 minutes in the future (clock skew)', () => {
    expect(authenticate(presigned, secretLookup([CREDS]), REGION, at(-14 * 60)).presigned).toBe(true);
  });
});
