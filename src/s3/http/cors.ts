import { oneValue } from './header-text.js';

type Headers = Record<string, string | string[] | undefined>;

/** Response headers a browser script may read (beyond the CORS-safelisted ones): what S3 clients look at. */
const EXPOSED_HEADERS = [
  'ETag',
  'Content-Length',
  'Content-Range',
  'Content-Disposition',
  'Content-Encoding',
  'Accept-Ranges',
  'x-amz-request-id',
  'x-amz-id-2',
  'x-amz-version-id',
  'x-amz-delete-marker',
  'x-amz-bucket-region',
  'x-amz-checksum-crc32',
  'x-amz-checksum-crc32c',
  'x-amz-checksum-crc64nvme',
  'x-amz-checksum-sha1',
  'x-amz-checksum-sha256',
  'x-amz-checksum-type',
];

const ALLOWED_METHODS = 'GET, HEAD, PUT, POST, DELETE';
/** Browsers cap this anyway (Chromium: 2 h). */
const MAX_AGE_SECONDS = '3600';

/**
 * Every request is signed, so CORS adds no exposure: any origin may call, and the signature decides.
 * The origin is echoed (with `Vary: Origin`) rather than `*`, which also works for credentialed fetches.
 * Needed by Label Studio's browser, which GETs presigned media URLs directly (docs/label-studio.md).
 */
export function corsHeaders(requestHeaders: Headers, responseHeaderNames: string[] = []): Record<string, string> {
  const origin = oneValue(requestHeaders.origin);
  if (origin === undefined) return {};
  const metadata = responseHeaderNames.filter((name) => name.toLowerCase().startsWith('x-amz-meta-'));
  return {
    'access-control-allow-origin': origin,
    vary: 'Origin',
    'access-control-expose-headers': [...EXPOSED_HEADERS, ...metadata].join(', '),
  };
}

/** The answer to an `OPTIONS` preflight, which carries no credentials and is therefore never authenticated. */
export function preflightHeaders(requestHeaders: Headers): Record<string, string> {
  const requested = oneValue(requestHeaders['access-control-request-headers']);
  return {
    ...corsHeaders(requestHeaders),
    'access-control-allow-methods': ALLOWED_METHODS,
    'access-control-allow-headers': requested && requested.trim() !== '' ? requested : '*',
    'access-control-max-age': MAX_AGE_SECONDS,
  };
}
