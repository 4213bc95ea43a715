import { describe, expect, it } from '@jest/globals';
import { parseHttpDate } from './sigv4-verifier.js';

// SigV4 over the Date header (no x-amz-date): the forms clients write — IMF-fixdate (RFC 9110 §5.6.7) and
// botocore's email.utils.formatdate (RFC 5322, `-0000`) — in UTC only.
describe('parseHttpDate', () => {
  it.each([
    ['Fri, 24 May 2013 00:00:00 GMT', '2013-05-24T00:00:00.000Z'],
    ['Wed, 02 Dec 2026 10:00:59 -0000', '2026-12-02T10:00:59.000Z'],
    ['Wed, 02 Dec 2026 10:00:59 +0000', '2026-12-02T10:00:59.000Z'],
    ['2 Dec 2026 23:59:59 UTC', '2026-12-02T23:59:59.000Z'],
  ])('%j → %s', (text, iso) => {
    expect(new Date(parseHttpDate(text)!).toISOString()).toBe(iso);
  });

  it.each([
    'Fri, 24 May 2013 00:00:00 +0200', // a local time: the signer meant another instant than it says in UTC terms
    'Fri, 31 Feb 2013 00:00:00 GMT',
    'Fri, 24 Foo 2013 00:00:00 GMT',
    '2013-05-24T00:00:00Z',
    '20130524T000000Z',
    'Friday, 24-May-13 00:00:00 GMT',
    '',
  ])('refuses %j', (text) => {
    expect(parseHttpDate(text)).toBeUndefined();
  });
});
