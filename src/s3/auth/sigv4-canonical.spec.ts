import { describe, expect, it } from '@jest/globals';
import { canonicalHeaderValue, canonicalHeaders, canonicalQueryString, rfc3986Encode } from './sigv4-canonical.js';

describe('canonicalQueryString (AWS S3 API reference, sig-v4-header-based-auth: CanonicalQueryString)', () => {
  it.each([
    ['', ''],
    ['lifecycle', 'lifecycle='], // a bare subresource signs as `name=`
    ['max-keys=2&prefix=J', 'max-keys=2&prefix=J'],
    ['prefix=J&max-keys=2', 'max-keys=2&prefix=J'], // sorted by name
    ['a=2&a=1&b=0', 'a=1&a=2&b=0'], // then by value
    ['prefix=exports%2Fa%20b%2Bc&list-type=2', 'list-type=2&prefix=exports%2Fa%20b%2Bc'],
    ['prefix=a+b', 'prefix=a%2Bb'], // '+' is a literal plus in S3 queries, not a space
    ['k=%7e', 'k=~'], // unreserved characters are decoded
    ['k=!*()%27', 'k=%21%2A%28%29%27'], // RFC 3986 escapes what encodeURIComponent leaves alone
    ['k=%c3%a4', 'k=%C3%A4'], // uppercase hex
    ['k=%zz', 'k=%25zz'], // broken escapes are taken literally
    ['delimiter=%2F&encoding-type=url&prefix=tasks%2F', 'delimiter=%2F&encoding-type=url&prefix=tasks%2F'],
  ])('%j → %j', (raw, canonical) => {
    expect(canonicalQueryString(raw)).toBe(canonical);
  });

  it('leaves out X-Amz-Signature when asked (presigned URLs)', () => {
    expect(canonicalQueryString('X-Amz-Signature=abc&X-Amz-Expires=60&a=1', 'X-Amz-Signature')).toBe(
      'X-Amz-Expires=60&a=1',
    );
  });
});

describe('canonical headers', () => {
  it.each([
    ['value', 'value'],
    ['  padded  ', 'padded'],
    ['a   b \t c', 'a b c'], // sequential whitespace folds to one space
    [['one', ' two '], 'one,two'], // repeated headers join with ','
  ])('value %j → %j', (value, canonical) => {
    expect(canonicalHeaderValue(value)).toBe(canonical);
  });

  it('lists exactly the signed headers, in SignedHeaders order, and reports the ones missing', () => {
    const headers = { host: 'h:8000', range: 'bytes=0-9', 'x-amz-date': 'd', 'user-agent': 'not signed' };
    expect(canonicalHeaders(headers, ['host', 'range', 'x-amz-date'])).toEqual({
      text: 'host:h:8000\nrange:bytes=0-9\nx-amz-date:d\n',
      missing: [],
    });
    expect(canonicalHeaders(headers, ['host', 'x-amz-meta-a']).missing).toEqual(['x-amz-meta-a']);
  });

  it('RFC 3986-encodes every byte outside A-Z a-z 0-9 - . _ ~', () => {
    expect(rfc3986Encode("a-._~ /+=&!'()*ä")).toBe('a-._~%20%2F%2B%3D%26%21%27%28%29%2A%C3%A4');
  });
});
