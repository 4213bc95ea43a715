import { describe, expect, it } from '@jest/globals';
import { S3Error } from '../errors/s3-error.js';
import { parseRawQuery } from './sigv4-canonical.js';
import { authenticateSigV2Query, sigV2Signature, sigV2StringToSign } from './sigv2-query.verifier.js';
import { authenticate } from './sigv4-verifier.js';
import type { IncomingSignedRequest } from './sigv4.types.js';
import { secretLookup } from '../../../test/support/secret-lookup.js';

// The examples of the AWS S3 page "Signing and authenticating REST requests" (Signature Version 2), with its
// credentials. The header examples sign a Date; in a query string, Expires takes the Date's place.
const CREDS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const REGION = 'us-east-1';

describe('sigV2StringToSign + sigV2Signature: the published examples', () => {
  const base = { contentMd5: '', contentType: '', amzHeaders: [] as Array<[string, string]>, query: [] };
  it.each<[string, Parameters<typeof sigV2StringToSign>[0], string]>([
    [
      'Object GET',
      { ...base, method: 'GET', expires: 'Tue, 27 Mar 2007 19:36:42 +0000', rawPath: '/johnsmith/photos/puppy.jpg' },
      'bWq2s1WEIj+Ydj0vQ697zp+IXMU=',
    ],
    [
      'Object PUT (Content-Type)',
      {
        ...base,
        method: 'PUT',
        contentType: 'image/jpeg',
        expires: 'Tue, 27 Mar 2007 21:15:45 +0000',
        rawPath: '/johnsmith/photos/puppy.jpg',
      },
      'MyyxeRY7whkBe+bq8fHCL/2kKUg=',
    ],
    [
      'List (the query is not part of the resource)',
      {
        ...base,
        method: 'GET',
        expires: 'Tue, 27 Mar 2007 19:42:41 +0000',
        rawPath: '/johnsmith/',
        query: [
          ['prefix', 'photos'],
          ['max-keys', '50'],
          ['marker', 'puppy'],
        ],
      },
      'htDYFYduRNen8P9ZfE/s9SuKy0U=',
    ],
    [
      'Fetch ?acl (a sub-resource is)',
      {
        ...base,
        method: 'GET',
        expires: 'Tue, 27 Mar 2007 19:44:46 +0000',
        rawPath: '/johnsmith/',
        query: [['acl', '']],
      },
      'c2WLPFtWHVgbEmeEG93a4cG37dM=',
    ],
    [
      'DELETE',
      { ...base, method: 'DELETE', expires: 'Tue, 27 Mar 2007 21:20:26 +0000', rawPath: '/johnsmith/photos/puppy.jpg' },
      'lx3byBScXR6KzyMaifNkardMwNk=',
    ],
    [
      'Upload (Content-MD5, x-amz-* headers sorted, repeated values joined with a comma)',
      {
        method: 'PUT',
        contentMd5: '4gJE4saaMU4BqNR0kLY+lw==',
        contentType: 'application/x-download',
        expires: 'Tue, 27 Mar 2007 21:06:08 +0000',
        amzHeaders: [
          ['x-amz-meta-reviewedby', 'joe@johnsmith.net'],
          ['x-amz-meta-reviewedby', 'jane@johnsmith.net'],
          ['x-amz-meta-filechecksum', '0x02661779'],
          ['x-amz-meta-checksumalgorithm', 'crc32'],
          ['x-amz-acl', 'public-read'],
        ],
        rawPath: '/static.johnsmith.net/db-backup.dat.gz',
        query: [],
      },
      'ilyl83RwaSoYIEdixDQcA4OnAnc=',
    ],
    [
      'Query string authentication (Expires)',
      { ...base, method: 'GET', expires: '1175139620', rawPath: '/johnsmith/photos/puppy.jpg' },
      'NpgCjnDzrM+WFzoENXmpNDUsSn8=',
    ],
  ])('%s', (_name, input, signature) => {
    expect(sigV2Signature(CREDS.secretAccessKey, sigV2StringToSign(input))).toBe(signature);
  });

  it('sub-resources are sorted by name and keep their decoded values; other parameters are left out', () => {
    const text = sigV2StringToSign({
      ...base,
      method: 'GET',
      expires: '1',
      rawPath: '/b/k%20ey',
      query: [
        ['versionId', 'null'],
        ['response-content-type', 'text/plain; charset=utf-8'],
        ['x-id', 'GetObject'],
        ['AWSAccessKeyId', 'AK'],
      ],
    });
    expect(text).toBe('GET\n\n\n1\n/b/k%20ey?response-content-type=text/plain; charset=utf-8&versionId=null');
  });
});

describe('authenticate: SigV2 presigned URLs', () => {
  const NOW = new Date('2007-03-29T03:00:00Z'); // before 1175139620 (2007-03-29T03:40:20Z)
  // GET /photos/puppy.jpg on the virtual host johnsmith: path style puts the bucket in the path.
  const puppy: IncomingSignedRequest = {
    method: 'GET',
    rawPath: '/johnsmith/photos/puppy.jpg',
    rawQuery: 'AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D',
    headers: { host: 'localhost:8000' },
  };
  const refusal = (req: IncomingSignedRequest, now = NOW): S3Error => {
    try {
      authenticate(req, secretLookup([CREDS]), REGION, now);
    } catch (error) {
      return error as S3Error;
    }
    throw new Error('accepted');
  };

  it('accepts the published example URL before it expires: presigned, body not signed', () => {
    const ctx = authenticate(puppy, secretLookup([CREDS]), REGION, NOW);
    expect(ctx).toMatchObject({ presigned: true, payloadHash: 'UNSIGNED-PAYLOAD', accessKeyId: CREDS.accessKeyId });
  });

  it.each<[string, IncomingSignedRequest, string, RegExp | undefined]>([
    ['another key', { ...puppy, rawPath: '/johnsmith/photos/kitten.jpg' }, 'SignatureDoesNotMatch', undefined],
    ['another method', { ...puppy, method: 'DELETE' }, 'SignatureDoesNotMatch', undefined],
    [
      'a later Expires',
      { ...puppy, rawQuery: puppy.rawQuery.replace('1175139620', '1175139621') },
      'SignatureDoesNotMatch',
      undefined,
    ],
    [
      'an added sub-resource',
      { ...puppy, rawQuery: `${puppy.rawQuery}&versionId=null` },
      'SignatureDoesNotMatch',
      undefined,
    ],
    [
      'an added x-amz-copy-source header',
      { ...puppy, headers: { ...puppy.headers, 'x-amz-copy-source': '/johnsmith/secret' } },
      'SignatureDoesNotMatch',
      undefined,
    ],
    [
      'an added x-amz-meta header',
      { ...puppy, headers: { ...puppy.headers, 'x-amz-meta-a': 'b' } },
      'SignatureDoesNotMatch',
      undefined,
    ],
    [
      'an added Content-Type',
      { ...puppy, headers: { ...puppy.headers, 'content-type': 'text/html' } },
      'SignatureDoesNotMatch',
      undefined,
    ],
    [
      'a signature one character off',
      { ...puppy, rawQuery: puppy.rawQuery.replace('NpgC', 'NpgD') },
      'SignatureDoesNotMatch',
      undefined,
    ],
    [
      'an unknown key id',
      { ...puppy, rawQuery: puppy.rawQuery.replace('AKIAIOSFODNN7EXAMPLE', 'AKIAOTHER') },
      'InvalidAccessKeyId',
      undefined,
    ],
    [
      'no Expires',
      { ...puppy, rawQuery: puppy.rawQuery.replace('&Expires=1175139620', '') },
      'AuthorizationQueryParametersError',
      /Expires/,
    ],
    [
      'a non-numeric Expires',
      { ...puppy, rawQuery: puppy.rawQuery.replace('1175139620', 'tomorrow') },
      'AuthorizationQueryParametersError',
      /seconds since the epoch/,
    ],
    [
      'Signature twice',
      { ...puppy, rawQuery: `${puppy.rawQuery}&Signature=x` },
      'AuthorizationQueryParametersError',
      /more than once/,
    ],
    [
      'an Authorization header as well',
      { ...puppy, headers: { ...puppy.headers, authorization: 'AWS AKIAIOSFODNN7EXAMPLE:abc' } },
      'InvalidArgument',
      /Only one auth mechanism/,
    ],
    [
      'an aws-chunked body (needs SigV4 chunk signatures)',
      { ...puppy, headers: { ...puppy.headers, 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' } },
      'SignatureDoesNotMatch', // the header is part of the string to sign: the URL did not allow it
      undefined,
    ],
  ])('refuses %s', (_name, req, code, message) => {
    const err = refusal(req);
    expect(err.code).toBe(code);
    if (message) expect(err.message).toMatch(message);
  });

  it('refuses the URL once Expires has passed (AccessDenied "Request has expired")', () => {
    expect(authenticate(puppy, secretLookup([CREDS]), REGION, new Date('2007-03-29T03:40:20Z')).presigned).toBe(true);
    const err = refusal(puppy, new Date('2007-03-29T03:40:21Z'));
    expect({ code: err.code, message: err.message }).toEqual({ code: 'AccessDenied', message: 'Request has expired' });
  });

  it('refuses an Expires more than a week ahead, as SigV4 refuses X-Amz-Expires > 604800', () => {
    const err = refusal(puppy, new Date((1175139620 - 604801) * 1000));
    expect(err.code).toBe('AuthorizationQueryParametersError');
    expect(authenticate(puppy, secretLookup([CREDS]), REGION, new Date((1175139620 - 604800) * 1000)).presigned).toBe(
      true,
    );
  });

  it('takes headers botocore hoisted into the query (x-amz-*, Content-Type) as signed', () => {
    const toSign = sigV2StringToSign({
      method: 'PUT',
      contentMd5: '',
      contentType: 'application/json',
      expires: '1175139620',
      amzHeaders: [['x-amz-meta-owner', 'alice']],
      rawPath: '/johnsmith/up',
      query: [],
    });
    const signature = encodeURIComponent(sigV2Signature(CREDS.secretAccessKey, toSign));
    const rawQuery = `AWSAccessKeyId=${CREDS.accessKeyId}&Signature=${signature}&Expires=1175139620&content-type=application%2Fjson&x-amz-meta-owner=alice`;
    const req = (headers: Record<string, string>): IncomingSignedRequest => ({
      method: 'PUT',
      rawPath: '/johnsmith/up',
      rawQuery,
      headers: { host: 'h', ...headers },
    });
    expect(authenticateSigV2Query(req({}), parseRawQuery(rawQuery), secretLookup([CREDS]), REGION, NOW).presigned).toBe(
      true,
    );
    expect(
      authenticate(
        req({ 'content-type': 'application/json', 'x-amz-meta-owner': 'alice' }),
        secretLookup([CREDS]),
        REGION,
        NOW,
      ).presigned,
    ).toBe(true);
    expect(refusal(req({ 'x-amz-meta-owner': 'mallory' })).code).toBe('SignatureDoesNotMatch');
  });

  it('never reveals the expected signature (only the one provided)', () => {
    const err = refusal({ ...puppy, method: 'PUT' });
    const expected = sigV2Signature(CREDS.secretAccessKey, err.details.StringToSign);
    expect(expected).not.toBe('NpgCjnDzrM+WFzoENXmpNDUsSn8=');
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain(expected);
    expect(err.details.SignatureProvided).toBe('NpgCjnDzrM+WFzoENXmpNDUsSn8=');
  });
});
