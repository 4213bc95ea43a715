import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { S3Error } from '../errors/s3-error.js';

/** Where the relayed body goes: the stream's buffer, or a gathering caller. */
interface BodySink {
  data(chunk: Buffer): void;
  end(): void;
  fail(error: Error): void;
}

/**
 * The request body, read in one of two ways, once:
 * - as a stream (`_read`) that (1) starts the upload only when first read — `beforeFirstRead` sends
 *   `100 Continue` — and (2) never destroys the request when it is destroyed itself: decoders and storage tear down
 *   their stream on a bad digest, but the connection must stay usable to answer the error (destroying an
 *   IncomingMessage destroys its socket);
 * - gathered (`gather`): each chunk handed straight to the caller, for a small body, where the stream layers cost
 *   more CPU than its bytes do (bench/results/put-path-4.md).
 */
export class RequestBodySource extends Readable {
  private started = false;
  private finished = false;
  private relayed = 0;
  private sink?: BodySink;

  private readonly onData = (chunk: Buffer) => {
    this.relayed += chunk.length;
    this.sink!.data(chunk);
  };
  private readonly onEnd = () => {
    this.finished = true;
    this.sink!.end();
  };
  private readonly onClose = () => {
    if (!this.finished && !this.destroyed) {
      this.sink!.fail(new S3Error('IncompleteBody', 'The connection closed before the whole body arrived.'));
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
    this.start({
      data: (chunk) => {
        if (!this.push(chunk)) this.source.pause();
      },
      end: () => this.push(null),
      fail: (error) => this.destroy(error),
    });
    this.source.resume();
  }

  /**
   * The whole body, without a stream: `accept` sees each chunk as it arrives, and a throw from it stops the relay
   * (the rest stays unread, as after a failed stream) and rejects. Resolves once the body has ended; rejects with
   * IncompleteBody when the connection closes first. Not with the stream: one or the other.
   */
  gather(accept: (chunk: Buffer) => void): Promise<void> {
    if (this.started) return Promise.reject(new Error('the request body is already being read'));
    return new Promise((resolve, reject) => {
      const fail = (error: Error) => {
        this.detach();
        reject(error);
      };
      this.start({
        data: (chunk) => {
          try {
            accept(chunk);
          } catch (error) {
            fail(error as Error);
          }
        },
        end: resolve,
        fail,
      });
      this.source.resume();
    });
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

  private start(sink: BodySink): void {
    if (this.started) return;
    this.started = true;
    this.sink = sink;
    this.beforeFirstRead();
    this.source.on('data', this.onData);
    this.source.once('end', this.onEnd);
    this.source.once('aborted', this.onClose);
    this.source.once('close', this.onClose);
    this.source.once('error', this.onError);
  }
}
