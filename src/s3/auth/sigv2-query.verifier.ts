import { createHmac } from 'node:crypto';
import { S3Error } from '../errors/s3-error.js';
import { payloadModeOf, UNSIGNED_PAYLOAD } from './payload-hash.js';
import { signaturesEqual } from './sigv4-crypto.js';
import type { AuthContext, IncomingSignedRequest, SecretLookup } from './sigv4.types.js';
import { oneValue } from '../http/header-text.js';

/**
 * Signature Version 2 presigned URLs (`?AWSAccessKeyId=…&Expires=…&Signature=…`), after the AWS S3 page "Signing
 * and authenticating REST requests" (query string request authentication). botocore presigns this way for a custom
 * endpoint unless `signature_version='s3v4'` is configured (boto3 `generate_presigned_url`, `aws s3 presign`), and
 * so do s3cmd's `signurl` and older SDKs. Header-signed SigV2 (`Authorization: AWS key:sig`) is not accepted.
 */

/** The query parameters that are part of the signed resource (sub-resources and response overrides), as botocore lists them. */
export const SIGNED_SUBRESOURCES: ReadonlySet<string> = new Set([
  'accelerate',
  'acl',
  'analytics',
  'cors',
  'defaultObjectAcl',
  'delete',
  'inventory',
  'lifecycle',
  'location',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'partNumber',
  'policy',
  'replication',
  'requestPayment',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'restore',
  'select',
  'select-type',
  'storageClass',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
]);

/** The same lifetime limit as a SigV4 presigned URL (X-Amz-Expires ≤ 604800): a URL is never a lasting credential. */
const MAX_LIFETIME_S = 604800;

/** Whether the query carries SigV2 query authentication (and no SigV4 one: that is refused by the caller). */
export function isSigV2Query(query: ReadonlyArray<[string, string]>): boolean {
  return query.some(([name]) => name === 'AWSAccessKeyId' || name === 'Signature');
}

export interface SigV2StringToSignInput {
  method: string;
  contentMd5: string;
  contentType: string;
  /** The Expires parameter as sent (seconds since the epoch). */
  expires: string;
  /** x-amz-* headers (lowercase names, values as received). */
  amzHeaders: ReadonlyArray<[string, string]>;
  /** The path exactly as received (percent-encoded as the client sent it), bucket included. */
  rawPath: string;
  /** The query, decoded once, in wire order. */
  query: ReadonlyArray<[string, string]>;
}

/**
 * `HTTP-Verb \n Content-MD5 \n Content-Type \n Expires \n CanonicalizedAmzHeaders CanonicalizedResource`.
 * Amz headers: lowercase names sorted, repeated values joined with `,`, folded whitespace to one space, `name:value\n`.
 * Resource: the raw path plus the signed sub-resources, sorted by name, `name` or `name=value` (value decoded).
 */
export function sigV2StringToSign(input: SigV2StringToSignInput): string {
  const merged = new Map<string, string[]>();
  for (const [name, value] of input.amzHeaders) {
    const values = merged.get(name) ?? [];
    values.push(value.trim().replace(/\s+/g, ' '));
    merged.set(name, values);
  }
  const amz = [...merged.keys()]
    .sort()
    .map((name) => `${name}:${merged.get(name)!.join(',')}\n`)
    .join('');
  const subresources = input.query
    .filter(([name]) => SIGNED_SUBRESOURCES.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => (value === '' ? name : `${name}=${value}`));
  const resource =
    (input.rawPath === '' ? '/' : input.rawPath) + (subresources.length ? `?${subresources.join('&')}` : '');
  return `${input.method}\n${input.contentMd5}\n${input.contentType}\n${input.expires}\n${amz}${resource}`;
}

/** Base64 HMAC-SHA1 of the string to sign with the secret key. */
export function sigV2Signature(secretAccessKey: string, stringToSign: string): string {
  return createHmac('sha1', secretAccessKey).update(stringToSign, 'utf8').digest('base64');
}

/**
 * Verifies a SigV2 presigned request. Every x-amz-* header the request carries is part of the string to sign, so
 * nothing can be added to a URL without breaking it. Headers the signer hoisted into the query (botocore moves
 * x-amz-*, Content-Type and Content-MD5 there) count when the request does not send them as headers.
 */
export function authenticateSigV2Query(
  req: IncomingSignedRequest,
  query: ReadonlyArray<[string, string]>,
  secretOf: SecretLookup,
  region: string,
  now: Date,
): AuthContext {
  const q = (message: string) => new S3Error('AuthorizationQueryParametersError', message);
  const params = new Map<string, string>();
  for (const [name, value] of query) {
    if (name !== 'AWSAccessKeyId' && name !== 'Signature' && name !== 'Expires') continue;
    if (params.has(name)) throw q(`The query parameter ${name} was given more than once.`);
    params.set(name, value);
  }
  const accessKeyId = params.get('AWSAccessKeyId');
  const signature = params.get('Signature');
  const expires = params.get('Expires');
  if (!accessKeyId || !signature || !expires) {
    throw q('Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters');
  }
  const secret = secretOf(accessKeyId);
  if (secret === undefined) throw new S3Error('InvalidAccessKeyId', undefined, { AWSAccessKeyId: accessKeyId });
  if (!/^\d{1,12}$/.test(expires))
    throw q('Expires must be a number of seconds since the epoch (1970-01-01T00:00:00Z).');
  const expiresMs = Number(expires) * 1000;
  const nowIso = now.toISOString();
  if (now.getTime() > expiresMs) {
    throw new S3Error('AccessDenied', 'Request has expired', {
      Expires: new Date(expiresMs).toISOString(),
      ServerTime: nowIso,
    });
  }
  if (expiresMs - now.getTime() > MAX_LIFETIME_S * 1000) {
    throw q(`Expires must be less than a week (${MAX_LIFETIME_S} seconds) from now.`);
  }

  const fromQuery = new Map(
    query.filter(([name]) => !params.has(name)).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const amzHeaders: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(req.headers)) {
    // CanonicalizedAmzHeaders: a header's values as one comma-separated list, no space between ("Signing and
    // Authenticating REST Requests"), not the ", " of oneValue.
    const text = Array.isArray(value) ? value.join(',') : value;
    if (name.startsWith('x-amz-') && text !== undefined) amzHeaders.push([name, text]);
  }
  for (const [name, value] of fromQuery) {
    if (name.startsWith('x-amz-') && req.headers[name] === undefined) amzHeaders.push([name, value]);
  }
  const stringToSign = sigV2StringToSign({
    method: req.method,
    contentMd5: oneValue(req.headers['content-md5']) ?? fromQuery.get('content-md5') ?? '',
    contentType: oneValue(req.headers['content-type']) ?? fromQuery.get('content-type') ?? '',
    expires,
    amzHeaders,
    rawPath: req.rawPath,
    query,
  });
  if (!signaturesEqual(sigV2Signature(secret, stringToSign), signature)) {
    throw new S3Error('SignatureDoesNotMatch', undefined, {
      AWSAccessKeyId: accessKeyId,
      StringToSign: stringToSign,
      SignatureProvided: signature,
    });
  }
  // The body is as sent (or checked against a signed x-amz-content-sha256); aws-chunked needs SigV4's chunk keys.
  const payloadHash = oneValue(req.headers['x-amz-content-sha256']) ?? UNSIGNED_PAYLOAD;
  const mode = payloadModeOf(payloadHash);
  if (mode !== 'sha256' && mode !== 'unsigned') {
    throw new S3Error('InvalidRequest', `x-amz-content-sha256 ${payloadHash} needs Signature Version 4.`);
  }
  return {
    accessKeyId,
    region,
    amzDate: nowIso.replace(/[-:]|\.\d{3}/g, ''),
    scope: '',
    signingKey: Buffer.alloc(0),
    seedSignature: '',
    presigned: true,
    payloadHash,
  };
}
