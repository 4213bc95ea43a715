import { Readable } from 'node:stream';
import type { AuthContext, IncomingSignedRequest } from '../auth/sigv4.types.js';
import { S3Error } from '../errors/s3-error.js';
import { BodyVerifier } from './body-verifier.js';
import { type BodyPlan, planRequestBody } from './body-plan.js';
import { VerifyingBodyStream } from './verifying-body.stream.js';

export interface DecodedBody {
  /** The decoded object bytes; errors (S3Error) surface as stream errors, always before 'end'. */
  body: Readable;
  /** Verified checksums, e.g. { crc32: '<base64>' }; valid after 'end'. */
  checksums(): Record<string, string>;
}

/** A body that fails on first read: header problems reach the consumer the same way as body problems. */
function failingBody(err: unknown): DecodedBody {
  const body = new Readable({
    read() {
      this.destroy(err as Error);
    },
  });
  return { body, checksums: () => ({}) };
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
  let plan: BodyPlan;
  try {
    plan = planRequestBody(headers, auth, maxSize);
  } catch (err) {
    return failingBody(err);
  }
  return verifyingStream(source, plan, auth, maxSize);
}

/** What reads a request's body: as a stream, or chunk by chunk into the caller's hands (S3HttpRequest). */
export interface BodyReader {
  openBody(): Readable;
  gatherBody(accept: (chunk: Buffer) => void): Promise<void>;
}

/**
 * A body of at most this many bytes is gathered, not streamed: by its Content-Length, or under aws-chunked framing by
 * its x-amz-decoded-content-length (BodyVerifier refuses a decoded byte beyond that, so the framing cannot make it
 * grow). Label Studio over https sends each annotation aws-chunked, with a trailing CRC32 (docs/label-studio.md).
 */
export const GATHERED_BODY_LIMIT = 64 * 1024;

/** decodeRequestBody's result, or a small body already read and verified, as one Buffer. */
export interface ReceivedBody {
  body: Readable | Buffer;
  checksums(): Record<string, string>;
}

/**
 * decodeRequestBody, except that a small body (at most GATHERED_BODY_LIMIT decoded bytes, announced: an annotation,
 * a presigned PUT) is read, decoded and verified before this resolves, without stream layers, and comes as one
 * Buffer; its errors reject here, so storage never sees a bad one. Stream layers around a 2 KiB body cost more CPU
 * than its bytes (bench/results/put-path-4.md), and storage journals a Buffer's bytes with its row (durable-fs.ts
 * SMALL_BODY). Header problems still surface on the body's first read, as from decodeRequestBody: storage refuses an
 * invalid key before that.
 */
export async function receiveRequestBody(
  reader: BodyReader,
  headers: IncomingSignedRequest['headers'],
  auth: AuthContext,
  maxSize: number,
): Promise<ReceivedBody> {
  let plan: BodyPlan;
  try {
    plan = planRequestBody(headers, auth, maxSize);
  } catch (err) {
    return failingBody(err);
  }
  const small = plan.decodedLength !== undefined && plan.decodedLength <= GATHERED_BODY_LIMIT;
  if (!small) return verifyingStream(reader.openBody(), plan, auth, maxSize);
  const verifier = new BodyVerifier(plan, auth, maxSize);
  const chunks: Buffer[] = [];
  await reader.gatherBody((chunk) => chunks.push(...verifier.feed(chunk)));
  const checksums = await verifier.finish();
  return { body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), checksums: () => checksums };
}

function verifyingStream(source: Readable, plan: BodyPlan, auth: AuthContext, maxSize: number): DecodedBody {
  const stream = new VerifyingBodyStream(plan, auth, maxSize);
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
