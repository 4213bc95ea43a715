import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { S3Error } from '../errors/s3-error.js';

/**
 * The request body as a stream that (1) starts the upload only when first read — `beforeFirstRead`
 * sends `100 Continue` — and (2) never destroys the request when it is destroyed itself: decoders and
 * storage tear down their stream on a bad digest, but the connection must stay usable to answer
 * the error (destroying an IncomingMessage destroys its socket).
 */
export class RequestBodySource extends Readable {
  private started = false;
  private finished = false;
  private relayed = 0;

  private readonly onData = (chunk: Buffer) => {
    this.relayed += chunk.length;
    if (!this.push(chunk)) this.source.pause();
  };
  private readonly onEnd = () => {
    this.finished = true;
    this.push(null);
  };
  private readonly onClose = () => {
    if (!this.finished && !this.destroyed) {
      this.destroy(new S3Error('IncompleteBody', 'The connection closed before the whole body arrived.'));
    }
  };
  private readonly onError = () => this.onClose();

  constructor(
    private readonly source: IncomingMessage,
    private readonly beforeFirstRead: () => void,
  ) {
    super();
  }

  /** Body bytes relayed so far, as they came off the wire (aws-chunked framing included). */
  get bytesRead(): number {
    return this.relayed;
  }

  /** Whether anything asked for the body yet. */
  get opened(): boolean {
    return this.started;
  }

  override _read(): void {
    if (!this.started) {
      this.started = true;
      this.beforeFirstRead();
      this.source.on('data', this.onData);
      this.source.once('end', this.onEnd);
      this.source.once('aborted', this.onClose);
      this.source.once('close', this.onClose);
      this.source.once('error', this.onError);
    }
    this.source.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.detach();
    callback(error);
  }

  /** Stops relaying; the request itself is left alone (paused) for the caller to drain or close. */
  detach(): void {
    this.source.off('data', this.onData);
    this.source.off('end', this.onEnd);
    this.source.off('aborted', this.onClose);
    this.source.off('close', this.onClose);
    this.source.off('error', this.onError);
    if (!this.source.readableEnded) this.source.pause();
  }
}
