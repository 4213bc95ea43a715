import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { canonicalQueryString, canonicalRequest, parseRawQuery, rfc3986Encode } from './sigv4-canonical.js';

// An independent formulation of the SigV4 canonical query (AWS General Reference, "Create a canonical request"):
// encode every UTF-8 byte except A-Z a-z 0-9 - _ . ~ as %XX, sort the encoded pairs by name then value in byte
// order, join `name=value` with `&`.
function encodeBytes(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function independentCanonicalQuery(pairs: Array<[string, string]>): string {
  return pairs
    .map(([n, v]) => [encodeBytes(n), encodeBytes(v)] as const)
    .sort(
      ([n1, v1], [n2, v2]) =>
        Buffer.compare(Buffer.from(n1), Buffer.from(n2)) || Buffer.compare(Buffer.from(v1), Buffer.from(v2)),
    )
    .map(([n, v]) => `${n}=${v}`)
    .join('&');
}

/** Text with what makes query encoding hard: reserved characters, `+`, `%`, spaces, unicode beyond the BMP. */
const text = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      'a',
      'Z',
      '0',
      '-',
      '_',
      '.',
      '~',
      ' ',
      '+',
      '%',
      '&',
      '=',
      '/',
      '?',
      '!',
      "'",
      '(',
      ')',
      '*',
      'é',
      '😀',
    ),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 8,
});
const pairs = fc.array(
  fc.tuple(
    text.filter((n) => n !== ''),
    text,
  ),
  { maxLength: 8 },
);

/** How a client may put a pair on the wire: any mix of escaped and literal unreserved characters is the same pair. */
const wireEncoders = fc.constantFrom(
  (s: string) => encodeURIComponent(s),
  (s: string) => encodeBytes(s),
  (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''), // lower-case hex, all escaped
);

describe('SigV4 canonical query (properties)', () => {
  it('equals the independent formulation, whatever the wire escaping and pair order', () => {
    fc.assert(
      fc.property(pairs, wireEncoders, fc.infiniteStream(fc.double()), (ps, wire, shuffle) => {
        const order = ps.map((p) => [p, shuffle.next().value] as const).sort((a, b) => a[1] - b[1]);
        const raw = order.map(([[n, v]]) => `${wire(n)}=${wire(v)}`).join('&');
        expect(canonicalQueryString(raw)).toBe(independentCanonicalQuery(ps));
      }),
      { numRuns: 1000 },
    );
  });

  it('decodes each pair exactly once, and leaves out only the omitted parameter', () => {
    fc.assert(
      fc.property(pairs, (ps) => {
        const raw = ps.map(([n, v]) => `${encodeBytes(n)}=${encodeBytes(v)}`).join('&');
        expect(parseRawQuery(raw)).toEqual(ps);
        const signed = `${raw}${raw ? '&' : ''}X-Amz-Signature=${'f'.repeat(64)}`;
        expect(canonicalQueryString(signed, 'X-Amz-Signature')).toBe(independentCanonicalQuery(ps));
      }),
      { numRuns: 1000 },
    );
  });

  it('rfc3986Encode leaves only unreserved characters and %XX (upper-case) and decodes back', () => {
    fc.assert(
      fc.property(text, (s) => {
        const encoded = rfc3986Encode(s);
        expect(encoded).toMatch(/^(?:[A-Za-z0-9\-_.~]|%[0-9A-F]{2})*$/);
        expect(decodeURIComponent(encoded)).toBe(s);
        expect(encoded).toBe(encodeBytes(s));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('SigV4 canonical URI (properties)', () => {
  const rawPath = fc
    .array(fc.oneof(fc.constantFrom('', '.', '..', '%2F', '%20', '+', '%25', 'a%2Fb', '~'), fc.webSegment()), {
      maxLength: 6,
    })
    .map((segments) => `/${segments.join('/')}`);

  it('is the raw path exactly as received: no `//`, `.` or `..` normalisation, no re-encoding (S3 signs it so)', () => {
    fc.assert(
      fc.property(rawPath, (path) => {
        const canonical = canonicalRequest({
          method: 'GET',
          rawPath: path,
          canonicalQuery: '',
          canonicalHeaders: 'host:h\n',
          signedHeaders: 'host',
          payloadHash: 'UNSIGNED-PAYLOAD',
        });
        expect(canonical.split('\n')[1]).toBe(path);
      }),
      { numRuns: 500 },
    );
  });
});
