import { describe, expect, it } from '@jest/globals';
import { S3Error } from '../errors/s3-error.js';
import { responseOverrides } from './response-overrides.js';

describe('responseOverrides', () => {
  it.each<[string, Record<string, string>, Record<string, string>]>([
    ['none', { prefix: 'a' }, {}],
    [
      'content type (Label Studio presigned media URL)',
      { 'response-content-type': 'image/png' },
      { 'content-type': 'image/png' },
    ],
    [
      'all six',
      {
        'response-content-type': 't',
        'response-content-disposition': 'attachment; filename="a b.json"',
        'response-cache-control': 'no-cache',
        'response-content-encoding': 'gzip',
        'response-content-language': 'de',
        'response-expires': 'Thu, 01 Dec 1994 16:00:00 GMT',
      },
      {
        'content-type': 't',
        'content-disposition': 'attachment; filename="a b.json"',
        'cache-control': 'no-cache',
        'content-encoding': 'gzip',
        'content-language': 'de',
        expires: 'Thu, 01 Dec 1994 16:00:00 GMT',
      },
    ],
    ['unknown response-* parameters are not headers', { 'response-x-evil': 'y' }, {}],
  ])('%s', (_label, query, expected) => {
    expect(responseOverrides(query)).toEqual(expected);
  });

  it.each([
    ['line break (header injection)', 'text/plain\r\nSet-Cookie: a=b'],
    ['non-latin1', 'attachment; filename="ü€.json"'],
  ])('refuses a value with a %s as InvalidArgument', (_label, value) => {
    expect(() => responseOverrides({ 'response-content-disposition': value })).toThrow(S3Error);
  });
});
