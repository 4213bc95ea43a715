import { Readable } from 'node:stream';
import type { AuthContext, IncomingSignedRequest } from '../auth/sigv4.types.js';
import { S3Error } from '../errors/s3-error.js';
import { planRequestBody } from './body-plan.js';
import { VerifyingBodyStream } from './verifying-body.stream.js';

export interface DecodedBody {
  /** The decoded object bytes; errors (S3Error) surface as stream errors, always before 'end'. */
  body: Readable;
  /** Verified checksums, e.g. { crc32: '<base64>' }; valid after 'end'. */
  checksums(): Record<string, string>;
}

/** A body that fails on first read: header problems reach the consumer the same way as body problems. */
function failingBody(err: unknown): Readable {
  return new Readable({
    read() {
      this.destroy(err as Error);
    },
  });
}

/**
 * Decodes and verifies a request body, choosing the framing from auth.payloadHash (hex sha256, UNSIGNED-PAYLOAD,
 * or one of the three aws-chunked STREAMING-* forms) and the checks from the headers (Content-Length,
 * x-amz-decoded-content-length, Content-MD5, x-amz-checksum-*, x-amz-trailer, x-amz-sdk-checksum-algorithm).
 * `source` is never destroyed here: the caller still has to answer on that connection.
 */
export function decodeRequestBody(
  source: Readable,
  headers: IncomingSignedRequest['headers'],
  auth: AuthContext,
  maxSize: number,
): DecodedBody {
  let stream: VerifyingBodyStream;
  try {
    stream = new VerifyingBodyStream(planRequestBody(headers, auth, maxSize), auth, maxSize);
  } catch (err) {
    return { body: failingBody(err), checksums: () => ({}) };
  }
  // The source starts flowing now, so an error may come before the caller attaches its own listeners: this
  // listener keeps that from being an uncaught 'error'; pipeline()/finished() still report the stored error.
  stream.on('error', () => source.unpipe(stream));
  let ended = false;
  source.once('end', () => (ended = true));
  source.once('error', (err) =>
    stream.destroy(
      err instanceof S3Error ? err : new S3Error('IncompleteBody', 'The request body terminated unexpectedly.'),
    ),
  );
  source.once('close', () => {
    if (!ended) stream.destroy(new S3Error('IncompleteBody', 'The connection closed before the whole body arrived.'));
  });
  source.pipe(stream);
  return { body: stream, checksums: () => stream.verifiedChecksums() };
}

/** The Content-Encoding to store: aws-chunked is transport framing, not part of the object ('gzip, aws-chunked' → 'gzip'). */
export function storedContentEncoding(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const kept = header
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '' && e.toLowerCase() !== 'aws-chunked');
  return kept.length > 0 ? kept.join(', ') : undefined;
}
