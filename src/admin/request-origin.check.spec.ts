import { describe, expect, it } from '@jest/globals';
import { isCrossSite, isSameOrigin, type OriginHeaders } from './request-origin.check.js';

const host = '127.0.0.1:8000';

describe('request origin', () => {
  it.each<[string, OriginHeaders, boolean, boolean]>([
    // name, headers, same origin, cross site
    ['our own page', { origin: `http://${host}`, host }, true, false],
    [
      'our page over https behind a proxy',
      { origin: 'https://sync.example.org', host, forwardedHost: 'sync.example.org' },
      true,
      false,
    ],
    [
      'host names compare case-insensitively',
      { origin: 'http://SYNC.example.org', host: 'sync.example.org' },
      true,
      false,
    ],
    ['another site', { origin: 'https://evil.example', host }, false, true],
    ['same host, other port', { origin: 'http://127.0.0.1:8080', host }, false, true],
    ['Origin: null', { origin: 'null', host }, false, true],
    ['no Origin, Fetch Metadata same-origin', { host, fetchSite: 'same-origin' }, true, false],
    ['no Origin, Fetch Metadata cross-site', { host, fetchSite: 'cross-site' }, false, true],
    ['no Origin, Fetch Metadata same-site (a sibling subdomain)', { host, fetchSite: 'same-site' }, false, true],
    ['neither (curl, scripts)', { host }, false, false],
  ])('%s', (_name, headers, same, cross) => {
    expect({ same: isSameOrigin(headers), cross: isCrossSite(headers) }).toEqual({ same, cross });
  });
});
