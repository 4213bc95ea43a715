import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Hex SHA-256 of zero bytes: the payload hash of an empty body and the "previous hash" slot of chunk strings to sign. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hmacSha256(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** Signing keys derived lately; a memo of a pure function (what it returns never depends on it), bounded. */
const signingKeys = new Map<string, Buffer>();
const MAX_SIGNING_KEYS = 64;

/**
 * The SigV4 signing key: HMAC chain "AWS4"+secret → date → region → service → "aws4_request"
 * (AWS General Reference, "Create a signature for an AWS API request", step 4). It is the same for every request
 * of a key pair on one day, so it is derived once, not per request (four HMACs, each with a new key to set up).
 * The returned buffer is shared: never write into it.
 */
export function deriveSigningKey(secretAccessKey: string, date: string, region: string, service = 's3'): Buffer {
  const id = `${secretAccessKey}\n${date}\n${region}\n${service}`;
  const known = signingKeys.get(id);
  if (known) return known;
  const kDate = hmacSha256(`AWS4${secretAccessKey}`, date);
  const kRegion = hmacSha256(kDate, region);
  const kService = hmacSha256(kRegion, service);
  const key = hmacSha256(kService, 'aws4_request');
  if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
  signingKeys.set(id, key);
  return key;
}

export function signHex(signingKey: Buffer, stringToSign: string): string {
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
}

/**
 * Constant-time comparison of two hex signatures, so response timing does not reveal how many leading
 * characters of a guess were right. The length is not secret (always 64), so a length mismatch returns early.
 */
export function signaturesEqual(expected: string, provided: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(provided, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
