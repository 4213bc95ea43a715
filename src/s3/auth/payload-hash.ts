import { S3Error } from '../errors/s3-error.js';

/** The x-amz-content-sha256 values S3 accepts (AWS S3 API reference, "Authenticating Requests: Using the Authorization Header"). */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
const SIGV4A_STREAMING = [
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER',
];

/** How the request body is framed and protected. */
export type PayloadMode =
  'sha256' | 'unsigned' | 'streaming-signed' | 'streaming-signed-trailer' | 'streaming-unsigned-trailer';

const MODES: Record<string, PayloadMode> = {
  [UNSIGNED_PAYLOAD]: 'unsigned',
  [STREAMING_SIGNED]: 'streaming-signed',
  [STREAMING_SIGNED_TRAILER]: 'streaming-signed-trailer',
  [STREAMING_UNSIGNED_TRAILER]: 'streaming-unsigned-trailer',
};

/** Whether the body comes in aws-chunked framing (the STREAMING-* values): chunks and perhaps trailers to decode. */
export function isAwsChunked(mode: PayloadMode): boolean {
  return mode.startsWith('streaming');
}

/**
 * Classifies an x-amz-content-sha256 value. SigV4a streaming is refused as NotImplemented rather than mis-decoded;
 * anything else unknown gets S3's own InvalidArgument wording.
 */
export function payloadModeOf(value: string): PayloadMode {
  if (/^[0-9a-f]{64}$/.test(value)) return 'sha256';
  const mode = MODES[value];
  if (mode) return mode;
  if (SIGV4A_STREAMING.includes(value)) {
    throw new S3Error(
      'NotImplemented',
      `x-amz-content-sha256 ${value} (SigV4a) is not supported; sign with AWS4-HMAC-SHA256.`,
    );
  }
  throw new S3Error(
    'InvalidArgument',
    'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, ' +
      'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, ' +
      'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.',
    { ArgumentName: 'x-amz-content-sha256', ArgumentValue: value },
  );
}
