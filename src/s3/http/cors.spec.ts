import { describe, expect, it } from '@jest/globals';
import { corsHeaders, preflightHeaders } from './cors.js';

describe('corsHeaders', () => {
  it('nothing without an Origin (not a browser cross-origin request)', () => {
    expect(corsHeaders({})).toEqual({});
  });

  it('echoes the origin and exposes ETag, x-amz-* and the response metadata headers', () => {
    const headers = corsHeaders({ origin: 'http://ls.example:8080' }, ['etag', 'x-amz-meta-task']);
    expect(headers['access-control-allow-origin']).toBe('http://ls.example:8080');
    expect(headers.vary).toBe('Origin');
    const exposed = headers['access-control-expose-headers'].split(', ');
    expect(exposed).toEqual(
      expect.arrayContaining(['ETag', 'x-amz-request-id', 'x-amz-checksum-crc32', 'x-amz-meta-task']),
    );
  });
});

describe('preflightHeaders', () => {
  it.each<[string, Record<string, string>, string]>([
    [
      'echoes requested headers',
      { origin: 'http://a', 'access-control-request-headers': 'range, x-amz-date' },
      'range, x-amz-date',
    ],
    ['any header when none requested', { origin: 'http://a' }, '*'],
  ])('%s', (_label, request, allowHeaders) => {
    const headers = preflightHeaders(request);
    expect(headers['access-control-allow-origin']).toBe('http://a');
    expect(headers['access-control-allow-methods']).toBe('GET, HEAD, PUT, POST, DELETE');
    expect(headers['access-control-allow-headers']).toBe(allowHeaders);
    expect(Number(headers['access-control-max-age'])).toBeGreaterThan(0);
  });
});
