import { Transform, TransformCallback } from 'node:stream';
import { ChecksumAlgorithm, Checksummer, createChecksummer } from './checksum.js';

/**
 * Passes bytes through unchanged and computes one checksum of them: a part of an upload with a checksum algorithm
 * gets its checksum even when the client sent none, so that the COMPOSITE checksum of the object can be computed.
 */
export class ChecksumTapStream extends Transform {
  private readonly checksummer: Checksummer;
  private value?: string;

  constructor(readonly algorithm: ChecksumAlgorithm) {
    super();
    this.checksummer = createChecksummer(algorithm);
  }

  /** `{ crc32: base64 }` once the stream has ended; `{}` before. */
  checksums(): Record<string, string> {
    return this.value === undefined ? {} : { [this.algorithm]: this.value };
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.checksummer.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.checksummer.digest().then((digest) => {
      this.value = digest.toString('base64');
      callback();
    }, callback);
  }
}
