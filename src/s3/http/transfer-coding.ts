import { S3Error } from '../errors/s3-error.js';

/**
 * The request's transfer codings (RFC 9112 §6.1): only `chunked` is understood here, and Node's parser has already
 * removed it. Any other coding (`gzip, chunked`, `deflate`…) would reach the storage still encoded, so it is refused
 * with 501, the answer RFC 9112 §6.1 gives for a transfer coding the server does not understand. (A compressed
 * object is sent as `Content-Encoding`, which S3 stores as metadata; that stays accepted.)
 */
export function assertSupportedTransferCoding(header: string | string[] | undefined): void {
  if (header === undefined) return;
  const codings = (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '');
  const unsupported = codings.filter((coding) => coding !== 'chunked');
  if (unsupported.length > 0) {
    throw new S3Error(
      'NotImplemented',
      `Transfer-Encoding '${unsupported.join(', ')}' is not supported: send the body plain or chunked (a compressed object goes in Content-Encoding).`,
      { Header: 'Transfer-Encoding' },
    );
  }
}
