import { EMPTY_SHA256, sha256Hex, signHex } from '../auth/sigv4-crypto.js';
import type { AuthContext } from '../auth/sigv4.types.js';

/** What chunk and trailer signatures are computed from: the seed request's key, date and scope. */
export type ChunkSigningContext = Pick<AuthContext, 'signingKey' | 'amzDate' | 'scope'>;

/**
 * Signature of one aws-chunked chunk (AWS S3 API reference, sigv4-streaming):
 * AWS4-HMAC-SHA256-PAYLOAD \n date \n scope \n previous signature \n sha256("") \n sha256(chunk data).
 */
export function chunkSignature(ctx: ChunkSigningContext, previousSignature: string, chunkSha256Hex: string): string {
  const toSign = [
    'AWS4-HMAC-SHA256-PAYLOAD',
    ctx.amzDate,
    ctx.scope,
    previousSignature,
    EMPTY_SHA256,
    chunkSha256Hex,
  ].join('\n');
  return signHex(ctx.signingKey, toSign);
}

/**
 * The trailer block as signed: each trailer `name:value\n` (names lowercased, values trimmed, sorted by name,
 * x-amz-trailer-signature itself left out), as the AWS SDKs canonicalise trailing headers (sigv4-streaming-trailers).
 */
export function canonicalTrailers(trailers: ReadonlyArray<readonly [string, string]>): string {
  return trailers
    .map(([name, value]) => [name.toLowerCase(), value.trim()] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}:${value}\n`)
    .join('');
}

/** AWS4-HMAC-SHA256-TRAILER \n date \n scope \n previous (final chunk) signature \n sha256(canonical trailers). */
export function trailerSignature(ctx: ChunkSigningContext, previousSignature: string, canonical: string): string {
  const toSign = ['AWS4-HMAC-SHA256-TRAILER', ctx.amzDate, ctx.scope, previousSignature, sha256Hex(canonical)].join(
    '\n',
  );
  return signHex(ctx.signingKey, toSign);
}
