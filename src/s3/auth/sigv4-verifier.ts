import { S3Error } from '../errors/s3-error.js';
import { payloadModeOf, UNSIGNED_PAYLOAD } from './payload-hash.js';
import {
  canonicalHeaders,
  canonicalQueryString,
  canonicalRequest,
  parseRawQuery,
  stringToSign,
} from './sigv4-canonical.js';
import { deriveSigningKey, sha256Hex, signaturesEqual, signHex } from './sigv4-crypto.js';
import { parseAuthorizationHeader, parsePresignedQuery, SignatureParams } from './sigv4-params.js';
import { authenticateSigV2Query, isSigV2Query } from './sigv2-query.verifier.js';
import type { AuthContext, IncomingSignedRequest, SecretLookup } from './sigv4.types.js';
import { oneValue } from '../http/header-text.js';

/** S3 refuses header-signed requests more than 15 minutes away from its clock (AWS S3 API reference, RequestTimeTooSkewed). */
const MAX_SKEW_MS = 15 * 60 * 1000;
/** Presigned URLs live at most 7 days (AWS S3 API reference, sigv4-query-string-auth: X-Amz-Expires). */
const MAX_EXPIRES_S = 604800;

function headerValue(req: IncomingSignedRequest, name: string): string | undefined {
  return oneValue(req.headers[name]);
}

/** yyyymmddThhmmssZ → epoch ms, or undefined when the text is not a real date in that exact form. */
export function parseAmzDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls over what is out of range (month 13, 24:00, Feb 30) and maps years 0-99 to 1900-1999: only a
  // date that reads back the same is real.
  const back = new Date(ms);
  return back.getUTCFullYear() === y &&
    back.getUTCMonth() === mo - 1 &&
    back.getUTCDate() === d &&
    back.getUTCHours() === h &&
    back.getUTCMinutes() === mi &&
    back.getUTCSeconds() === s
    ? ms
    : undefined;
}

/** The Authorization header; an empty one is no header (AWS treats it as an anonymous request). */
function authorizationOf(req: IncomingSignedRequest): string | undefined {
  const value = headerValue(req, 'authorization');
  return value === undefined || value.trim() === '' ? undefined : value;
}

function isSigV4Query(query: Array<[string, string]>): boolean {
  return query.some(
    ([name]) => name === 'X-Amz-Algorithm' || name === 'X-Amz-Credential' || name === 'X-Amz-Signature',
  );
}

function readParams(req: IncomingSignedRequest, query: Array<[string, string]>): SignatureParams {
  const authorization = authorizationOf(req);
  const queryAuth = isSigV4Query(query);
  if (authorization !== undefined && (queryAuth || isSigV2Query(query))) {
    throw new S3Error(
      'InvalidArgument',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
    );
  }
  if (authorization !== undefined) return parseAuthorizationHeader(authorization);
  if (queryAuth) return parsePresignedQuery(query);
  throw new S3Error('AccessDenied', 'Anonymous access is not allowed: sign the request with AWS Signature Version 4.');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * An HTTP Date header in UTC → epoch ms: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 §5.6.7) and the
 * RFC 5322 form botocore writes (`… +0000` / `-0000`). Undefined for anything else (no local times, no guessing).
 */
export function parseHttpDate(text: string): number | undefined {
  const m =
    /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (\w{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (?:GMT|UTC|[+-]0000)$/.exec(
      text.trim(),
    );
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[2]);
  if (month < 0) return undefined;
  const [d, y, h, mi, s] = [m[1], m[3], m[4], m[5], m[6]].map(Number);
  const ms = Date.UTC(y, month, d, h, mi, s);
  const back = new Date(ms);
  return back.getUTCDate() === d &&
    back.getUTCHours() === h &&
    back.getUTCMinutes() === mi &&
    back.getUTCSeconds() === s
    ? ms
    : undefined;
}

/** epoch ms → yyyymmddThhmmssZ */
function toAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');
}

/** Checks X-Amz-Date (or the x-amz-date header), the scope date and the clock; returns the date as sent. */
function checkTime(req: IncomingSignedRequest, p: SignatureParams, fail: (m: string) => S3Error, now: Date): string {
  if (!p.presigned) {
    // Without x-amz-date, SigV4 signs the Date header (AWS General Reference, "Elements of an AWS API request
    // signature": "x-amz-date or Date"); botocore does so when the caller sets Date. The string to sign still
    // carries the time in ISO 8601 basic format.
    const header = headerValue(req, 'x-amz-date');
    const date = header === undefined ? headerValue(req, 'date') : undefined;
    const t = header !== undefined ? parseAmzDate(header) : date !== undefined ? parseHttpDate(date) : undefined;
    if (t === undefined)
      throw new S3Error('AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
    const amzDate = header ?? toAmzDate(t);
    if (p.scopeDate !== amzDate.slice(0, 8)) throw fail('Invalid credential date. Date is not the same as X-Amz-Date.');
    if (Math.abs(now.getTime() - t) > MAX_SKEW_MS) {
      throw new S3Error('RequestTimeTooSkewed', undefined, {
        RequestTime: amzDate,
        ServerTime: now.toISOString(),
        MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
      });
    }
    return amzDate;
  }
  const amzDate = p.amzDate!;
  const t = parseAmzDate(amzDate);
  const q = (m: string) => new S3Error('AuthorizationQueryParametersError', m);
  if (t === undefined) throw q(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`);
  if (!/^-?\d+$/.test(p.expires!)) throw q('X-Amz-Expires should be a number');
  const expires = Number(p.expires);
  if (expires < 1) throw q('X-Amz-Expires must be non-negative');
  if (expires > MAX_EXPIRES_S) throw q(`X-Amz-Expires must be less than a week (in seconds) that is ${MAX_EXPIRES_S}`);
  if (p.scopeDate !== amzDate.slice(0, 8)) throw fail('Invalid credential date. Date is not the same as X-Amz-Date.');
  if (t - now.getTime() > MAX_SKEW_MS)
    throw new S3Error('AccessDenied', 'Request is not valid yet', { ServerTime: now.toISOString() });
  if (now.getTime() > t + expires * 1000) {
    throw new S3Error('AccessDenied', 'Request has expired', {
      'X-Amz-Expires': String(expires),
      Expires: new Date(t + expires * 1000).toISOString(),
      ServerTime: now.toISOString(),
    });
  }
  return amzDate;
}

/**
 * Every x-amz-* header must be signed, as S3 requires, for header auth and presigned URLs alike: a presigned URL
 * is handed to someone without the secret, and an unsigned `x-amz-copy-source` or `x-amz-meta-*` would let that
 * holder change what the request does (copy another object, store metadata). On a presigned URL, a header whose
 * name and value the signed query itself carries (signers hoist x-amz-* headers into the query) says nothing new,
 * and neither does x-amz-content-sha256: its value is the payload hash of the canonical request, so the signature
 * already covers it.
 */
function checkSignedHeaders(
  req: IncomingSignedRequest,
  p: SignatureParams,
  query: Array<[string, string]>,
  fail: (m: string) => S3Error,
): void {
  if (!p.signedHeaders.includes('host')) throw fail("'host' must be a signed header.");
  const coveredBySignature = (name: string) => {
    const value = headerValue(req, name);
    return (
      p.presigned &&
      (name === 'x-amz-content-sha256' || query.some(([n, v]) => n.toLowerCase() === name && v === value))
    );
  };
  const unsigned = Object.keys(req.headers).filter(
    (name) =>
      name.startsWith('x-amz-') &&
      req.headers[name] !== undefined &&
      !p.signedHeaders.includes(name) &&
      !coveredBySignature(name),
  );
  if (unsigned.length > 0) {
    throw new S3Error('AccessDenied', 'There were headers present in the request which were not signed', {
      HeadersNotSigned: unsigned.join(', '),
    });
  }
}

function payloadHashOf(req: IncomingSignedRequest, p: SignatureParams, query: Array<[string, string]>): string {
  const header = headerValue(req, 'x-amz-content-sha256');
  if (!p.presigned && header === undefined) {
    throw new S3Error('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
  // A presigned URL signs UNSIGNED-PAYLOAD unless the signer hoisted x-amz-content-sha256 into the query.
  const hash = header ?? query.find(([name]) => name.toLowerCase() === 'x-amz-content-sha256')?.[1] ?? UNSIGNED_PAYLOAD;
  payloadModeOf(hash);
  return hash;
}

/**
 * Verifies a SigV4 request (Authorization header or presigned query), or a SigV2 presigned URL, with the secret
 * of the access key id it names (which buckets that key may use is the dispatcher's question).
 * Pure: the clock comes in as `now`. Throws S3Error with S3's codes; never includes the secret or the expected signature.
 */
export function authenticate(
  req: IncomingSignedRequest,
  secretOf: SecretLookup,
  region: string,
  now: Date,
): AuthContext {
  const query = parseRawQuery(req.rawQuery);
  // SigV2 presigned URLs (botocore's default for a custom endpoint); both kinds at once are refused by readParams.
  if (authorizationOf(req) === undefined && !isSigV4Query(query) && isSigV2Query(query))
    return authenticateSigV2Query(req, query, secretOf, region, now);
  const p = readParams(req, query);
  const fail = p.presigned
    ? (m: string) =>
        new S3Error('AuthorizationQueryParametersError', `Error parsing the X-Amz-Credential parameter; ${m}`)
    : (m: string) => new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; ${m}`);
  const secret = secretOf(p.accessKeyId);
  if (secret === undefined) throw new S3Error('InvalidAccessKeyId', undefined, { AWSAccessKeyId: p.accessKeyId });
  if (p.service !== 's3') throw fail(`incorrect service "${p.service}". This endpoint belongs to "s3".`);
  if (p.terminal !== 'aws4_request')
    throw fail(`incorrect terminal "${p.terminal}". This endpoint uses "aws4_request".`);
  if (p.region !== region) {
    const e = fail(`the region '${p.region}' is wrong; expecting '${region}'`);
    e.details.Region = region;
    throw e;
  }
  const amzDate = checkTime(req, p, fail, now);
  checkSignedHeaders(req, p, query, fail);
  const headers = canonicalHeaders(req.headers, p.signedHeaders);
  if (headers.missing.length > 0) {
    throw new S3Error('MissingSecurityHeader', `The signed header ${headers.missing[0]} is missing from the request.`, {
      MissingHeaderName: headers.missing[0],
    });
  }
  const payloadHash = payloadHashOf(req, p, query);
  const canonical = canonicalRequest({
    method: req.method,
    rawPath: req.rawPath,
    canonicalQuery: canonicalQueryString(query, p.presigned ? 'X-Amz-Signature' : undefined),
    canonicalHeaders: headers.text,
    signedHeaders: p.signedHeadersText,
    payloadHash,
  });
  const scope = `${p.scopeDate}/${p.region}/s3/aws4_request`;
  const toSign = stringToSign(amzDate, scope, sha256Hex(canonical));
  const signingKey = deriveSigningKey(secret, p.scopeDate, p.region);
  if (!signaturesEqual(signHex(signingKey, toSign), p.signature)) {
    throw new S3Error('SignatureDoesNotMatch', undefined, {
      AWSAccessKeyId: p.accessKeyId,
      StringToSign: toSign,
      SignatureProvided: p.signature,
      CanonicalRequest: canonical,
    });
  }
  return {
    accessKeyId: p.accessKeyId,
    region: p.region,
    amzDate,
    scope,
    signingKey,
    seedSignature: p.signature,
    presigned: p.presigned,
    payloadHash,
  };
}
