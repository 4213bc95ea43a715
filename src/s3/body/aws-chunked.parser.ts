import { createHash, Hash } from 'node:crypto';
import { EMPTY_SHA256, signaturesEqual } from '../auth/sigv4-crypto.js';
import { S3Error } from '../errors/s3-error.js';
import { canonicalTrailers, chunkSignature, ChunkSigningContext, trailerSignature } from './chunk-signature.js';

export interface AwsChunkedOptions {
  /** Signed chunks (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]): every chunk-signature, and the trailer signature, is verified. */
  signing?: ChunkSigningContext & { seedSignature: string };
  /** The body ends with trailing headers (the -TRAILER variants). */
  trailers: boolean;
}

type State = 'size' | 'data' | 'data-crlf' | 'trailer' | 'done';

/** A chunk-size line or trailer line is short; MinIO caps them at 4 KiB too, so a garbage body cannot grow memory. */
const MAX_LINE = 4096;
const SIGNED_SIZE_LINE = /^([0-9a-fA-F]{1,13});chunk-signature=([0-9a-f]{64})$/;
const UNSIGNED_SIZE_LINE = /^([0-9a-fA-F]{1,13})(?:;.*)?$/;

const malformed = (what: string) => new S3Error('InvalidRequest', `Malformed aws-chunked body: ${what}.`);

/**
 * Incremental aws-chunked decoder (AWS S3 API reference, sigv4-streaming and sigv4-streaming-trailers):
 *   signed:   `<hex>;chunk-signature=<sig>\r\n<data>\r\n` … `0;chunk-signature=<sig>\r\n` [trailers] `\r\n`
 *   unsigned: `<hex>\r\n<data>\r\n` … `0\r\n` [trailers] `\r\n`
 * Input may be split anywhere; payload bytes are handed back as they arrive (never a whole chunk buffered).
 * Chunk data is released before its signature is checked: the check fails the stream before it ends,
 * which is what keeps a tampered object from becoming visible.
 */
export class AwsChunkedParser {
  private state: State = 'size';
  private line = '';
  private remaining = 0;
  private crlfSeen = 0;
  private chunkHash?: Hash;
  private declaredSignature = '';
  private previousSignature: string;
  private readonly trailerList: Array<[string, string]> = [];
  private trailerSignatureSent?: string;

  constructor(private readonly options: AwsChunkedOptions) {
    this.previousSignature = options.signing?.seedSignature ?? '';
  }

  /** Decoded payload slices (views into `data`) found in this piece of the wire body. */
  feed(data: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let i = 0;
    while (i < data.length) {
      if (this.state === 'data') {
        const n = Math.min(this.remaining, data.length - i);
        const piece = data.subarray(i, i + n);
        this.chunkHash?.update(piece);
        out.push(piece);
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) [this.state, this.crlfSeen] = ['data-crlf', 0];
      } else if (this.state === 'data-crlf') {
        if (data[i] !== (this.crlfSeen === 0 ? 0x0d : 0x0a)) throw malformed('chunk data is not followed by CRLF');
        i++;
        if (++this.crlfSeen === 2) this.endChunk(this.chunkHash?.digest('hex') ?? '');
      } else if (this.state === 'done') {
        throw malformed('data after the end of the body');
      } else {
        const newline = data.indexOf(0x0a, i);
        const end = newline < 0 ? data.length : newline;
        this.line += data.toString('latin1', i, end);
        if (this.line.length > MAX_LINE) throw malformed('line too long');
        i = end;
        if (newline >= 0) {
          i = newline + 1;
          const line = this.line;
          this.line = '';
          if (!line.endsWith('\r')) throw malformed('line not ended by CRLF');
          if (this.state === 'size') this.onSizeLine(line.slice(0, -1));
          else this.onTrailerLine(line.slice(0, -1));
        }
      }
    }
    return out;
  }

  /**
   * The input has ended: returns the trailing headers (names lowercased). Lenient where real clients are:
   * the JS SDK without a checksum ends at `0\r\n` with no final CRLF, so EOF anywhere in the trailer
   * section is accepted (a cut-off value then fails its checksum or signature instead).
   */
  finish(): Map<string, string> {
    if (this.state === 'trailer') {
      if (this.line !== '') this.onTrailerLine(this.line.replace(/\r$/, ''));
      if (this.state === 'trailer') this.endTrailers();
    }
    if (this.state !== 'done')
      throw new S3Error('IncompleteBody', 'The aws-chunked body ended before its final 0-length chunk.');
    return new Map(this.trailerList);
  }

  private onSizeLine(line: string): void {
    const m = (this.options.signing ? SIGNED_SIZE_LINE : UNSIGNED_SIZE_LINE).exec(line);
    if (!m) throw malformed(`bad chunk header "${line.slice(0, 100)}"`);
    const size = parseInt(m[1], 16);
    this.declaredSignature = m[2] ?? '';
    if (size === 0) {
      this.endChunk(EMPTY_SHA256);
      this.state = 'trailer';
      return;
    }
    this.remaining = size;
    this.chunkHash = this.options.signing ? createHash('sha256') : undefined;
    this.state = 'data';
  }

  private endChunk(dataSha256: string): void {
    const signing = this.options.signing;
    if (signing) {
      const expected = chunkSignature(signing, this.previousSignature, dataSha256);
      if (!signaturesEqual(expected, this.declaredSignature)) {
        throw new S3Error(
          'SignatureDoesNotMatch',
          'The chunk signature we calculated does not match the chunk-signature you provided.',
        );
      }
      this.previousSignature = expected;
    }
    this.state = 'size';
  }

  private onTrailerLine(line: string): void {
    if (line === '') return this.endTrailers();
    if (!this.options.trailers) throw malformed('trailing headers sent without a -TRAILER x-amz-content-sha256');
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformed(`bad trailer line "${line.slice(0, 100)}"`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') this.trailerSignatureSent = value;
    else if (this.trailerList.some(([n]) => n === name)) throw malformed(`trailer ${name} sent twice`);
    else this.trailerList.push([name, value]);
  }

  private endTrailers(): void {
    const signing = this.options.signing;
    if (signing && this.options.trailers) {
      const expected = trailerSignature(signing, this.previousSignature, canonicalTrailers(this.trailerList));
      if (this.trailerSignatureSent === undefined || !signaturesEqual(expected, this.trailerSignatureSent)) {
        throw new S3Error(
          'SignatureDoesNotMatch',
          'The trailer signature we calculated does not match the x-amz-trailer-signature you provided.',
        );
      }
    }
    this.state = 'done';
  }
}
