import { createHash, Hash } from 'node:crypto';
import { isAwsChunked } from '../auth/payload-hash.js';
import type { AuthContext } from '../auth/sigv4.types.js';
import { S3Error } from '../errors/s3-error.js';
import { AwsChunkedParser } from './aws-chunked.parser.js';
import type { BodyPlan } from './body-plan.js';
import { ChecksumAlgorithm, Checksummer, createChecksummer, DIGEST_BYTES, isBase64Digest } from './checksum.js';

/**
 * Every check of a request body, fed with the bytes as they come off the wire: chunk signatures and framing
 * (aws-chunked), lengths, the signed sha256, Content-MD5, x-amz-checksum-* (header or trailer), the size limit.
 * `feed` throws the S3Error of the first check that fails as soon as it can tell; `finish` runs the checks that need
 * the whole body. Whoever drives it (a stream, or a small body gathered whole: request-body.ts) makes nothing
 * visible before `finish` resolved.
 */
export class BodyVerifier {
  private wireBytes = 0;
  private decodedBytes = 0;
  private readonly parser?: AwsChunkedParser;
  private readonly sha256?: Hash;
  private readonly md5?: Hash;
  private readonly checksummers = new Map<ChecksumAlgorithm, Checksummer>();

  constructor(
    private readonly plan: BodyPlan,
    auth: AuthContext,
    private readonly maxSize: number,
  ) {
    if (isAwsChunked(plan.mode)) {
      const signed = plan.mode === 'streaming-signed' || plan.mode === 'streaming-signed-trailer';
      this.parser = new AwsChunkedParser({
        signing: signed ? auth : undefined,
        trailers: plan.mode.endsWith('trailer'),
      });
    }
    if (plan.expectedSha256) this.sha256 = createHash('sha256');
    if (plan.expectedMd5) this.md5 = createHash('md5');
    for (const algorithm of [plan.headerChecksum?.algorithm, plan.trailerChecksum]) {
      if (algorithm) this.checksummers.set(algorithm, createChecksummer(algorithm));
    }
  }

  /** Takes the next bytes off the wire; returns the object bytes among them (aws-chunked framing removed). */
  feed(chunk: Buffer): Buffer[] {
    this.wireBytes += chunk.length;
    if (this.plan.contentLength !== undefined && this.wireBytes > this.plan.contentLength) {
      throw new S3Error('IncompleteBody', 'More bytes arrived than Content-Length announced.');
    }
    const pieces = this.parser ? this.parser.feed(chunk) : [chunk];
    for (const piece of pieces) this.accept(piece);
    return pieces;
  }

  /** After the last byte: the checks that need the whole body; resolves with the checksums sent and matched. */
  async finish(): Promise<Record<string, string>> {
    const trailers = this.parser?.finish() ?? new Map<string, string>();
    const { contentLength, decodedLength } = this.plan;
    if (contentLength !== undefined && this.wireBytes !== contentLength) {
      throw new S3Error('IncompleteBody', undefined, {
        ExpectedBytes: String(contentLength),
        ReceivedBytes: String(this.wireBytes),
      });
    }
    if (decodedLength !== undefined && this.decodedBytes !== decodedLength) {
      throw new S3Error(
        'IncompleteBody',
        `The decoded body has ${this.decodedBytes} bytes; x-amz-decoded-content-length announced ${decodedLength}.`,
      );
    }
    if (this.sha256) {
      const computed = this.sha256.digest('hex');
      if (computed !== this.plan.expectedSha256) {
        throw new S3Error('XAmzContentSHA256Mismatch', undefined, {
          ClientComputedContentSHA256: this.plan.expectedSha256!,
          S3ComputedContentSHA256: computed,
        });
      }
    }
    if (this.md5 && !this.md5.digest().equals(this.plan.expectedMd5!)) {
      throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.');
    }
    const expected = this.expectedChecksums(trailers);
    for (const [algorithm, value] of expected) {
      const computed = (await this.checksummers.get(algorithm)!.digest()).toString('base64');
      if (computed !== value)
        throw new S3Error(
          'BadDigest',
          `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
        );
    }
    return Object.fromEntries(expected);
  }

  private accept(piece: Buffer): void {
    this.decodedBytes += piece.length;
    // Refused as soon as the limit is crossed, not after the whole upload was read.
    if (this.decodedBytes > this.maxSize)
      throw new S3Error('EntityTooLarge', undefined, { MaxSizeAllowed: String(this.maxSize) });
    if (this.plan.decodedLength !== undefined && this.decodedBytes > this.plan.decodedLength) {
      throw new S3Error('IncompleteBody', 'More bytes arrived than x-amz-decoded-content-length announced.');
    }
    this.sha256?.update(piece);
    this.md5?.update(piece);
    for (const c of this.checksummers.values()) c.update(piece);
  }

  /** The header checksum, or the announced trailer (which must arrive, well-formed); unannounced checksum trailers are refused. */
  private expectedChecksums(trailers: Map<string, string>): Map<ChecksumAlgorithm, string> {
    const expected = new Map<ChecksumAlgorithm, string>();
    if (this.plan.headerChecksum) expected.set(this.plan.headerChecksum.algorithm, this.plan.headerChecksum.value);
    const announced = this.plan.trailerChecksum && `x-amz-checksum-${this.plan.trailerChecksum}`;
    for (const name of trailers.keys()) {
      if (name.startsWith('x-amz-checksum-') && name !== announced) {
        throw new S3Error('InvalidRequest', `The trailer ${name} was not announced in x-amz-trailer.`);
      }
    }
    if (this.plan.trailerChecksum) {
      const value = trailers.get(announced!);
      if (value === undefined)
        throw new S3Error('InvalidRequest', `The trailer ${announced} announced in x-amz-trailer was not sent.`);
      if (!isBase64Digest(value, DIGEST_BYTES[this.plan.trailerChecksum])) {
        throw new S3Error('InvalidRequest', `Value for ${announced} trailing header is invalid.`);
      }
      expected.set(this.plan.trailerChecksum, value);
    }
    return expected;
  }
}
