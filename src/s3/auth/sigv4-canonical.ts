/**
 * Canonical request and string to sign for S3 SigV4 (AWS S3 API reference, "Signature Calculations for the
 * Authorization Header", and "Authenticating Requests: Using Query Parameters"). Pure functions.
 */

export type HeaderBag = Record<string, string | string[] | undefined>;

/**
 * URI-encode per RFC 3986 as SigV4 requires: every byte except A-Z a-z 0-9 - . _ ~ becomes %XX (uppercase hex).
 * encodeURIComponent leaves ! ' ( ) * alone, so those are escaped on top.
 */
export function rfc3986Encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeComponent(value: string): string {
  if (!value.includes('%')) return value; // nothing to decode (decodeURIComponent would return it as it is)
  try {
    return decodeURIComponent(value);
  } catch {
    // Not valid percent-encoding / UTF-8: keep the text as sent; a signature over it will simply not match.
    return value;
  }
}

/** The query's name/value pairs, percent-decoded once, in wire order. A bare `name` has the value ''. */
export function parseRawQuery(rawQuery: string): Array<[string, string]> {
  if (rawQuery === '') return [];
  return rawQuery
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq < 0
        ? [decodeComponent(part), '']
        : [decodeComponent(part.slice(0, eq)), decodeComponent(part.slice(eq + 1))];
    });
}

/**
 * Canonical query string: decode each pair, RFC 3986-encode name and value, sort by encoded name then value
 * (code point order, which is byte order for the ASCII result), `name=` for an empty value.
 * `omit` names a parameter left out (X-Amz-Signature on a presigned URL). The query comes raw, or as parseRawQuery
 * gave it (the verifier has parsed it already).
 */
export function canonicalQueryString(query: string | Array<[string, string]>, omit?: string): string {
  return (typeof query === 'string' ? parseRawQuery(query) : query)
    .filter(([name]) => name !== omit)
    .map(([name, value]) => [rfc3986Encode(name), rfc3986Encode(value)] as const)
    .sort(([n1, v1], [n2, v2]) => (n1 < n2 ? -1 : n1 > n2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** A header's canonical value: repeated headers joined by ',', trimmed, runs of whitespace folded to one space. */
export function canonicalHeaderValue(value: string | string[]): string {
  const joined = Array.isArray(value) ? value.map((v) => v.trim()).join(',') : value;
  return joined.trim().replace(/\s+/g, ' ');
}

/**
 * The canonical headers block: exactly the signed headers, in the order SignedHeaders lists them, each `name:value\n`.
 * Returns the names of signed headers the request does not carry (the caller refuses those).
 */
export function canonicalHeaders(
  headers: HeaderBag,
  signedHeaders: readonly string[],
): { text: string; missing: string[] } {
  const missing: string[] = [];
  let text = '';
  for (const name of signedHeaders) {
    const value = headers[name];
    if (value === undefined) missing.push(name);
    text += `${name}:${value === undefined ? '' : canonicalHeaderValue(value)}\n`;
  }
  return { text, missing };
}

export interface CanonicalRequestParts {
  method: string;
  /** The raw path as received: S3 signs it without normalising `//`, `.` or re-encoding. */
  rawPath: string;
  canonicalQuery: string;
  canonicalHeaders: string;
  signedHeaders: string;
  payloadHash: string;
}

export function canonicalRequest(p: CanonicalRequestParts): string {
  return [
    p.method,
    p.rawPath === '' ? '/' : p.rawPath,
    p.canonicalQuery,
    p.canonicalHeaders,
    p.signedHeaders,
    p.payloadHash,
  ].join('\n');
}

export function stringToSign(amzDate: string, scope: string, canonicalRequestHash: string): string {
  return ['AWS4-HMAC-SHA256', amzDate, scope, canonicalRequestHash].join('\n');
}
