import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { S3Operation } from '../routing/s3-operation.router.js';
import { splitRawUrl, type S3Target } from '../routing/s3-target.js';
import { isWaitingForContinue, sendContinue } from './expect-continue.js';
import { headersAsText } from './header-text.js';
import { RequestBodySource } from './request-body.source.js';

/** Unread body bytes we read and discard after an error answer, to keep the connection; beyond that, close it. */
const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * One S3 request, as the protocol code sees it: raw path and query exactly as received (SigV4 signs them,
 * keys are decoded from them), headers, a request id, and the body on demand.
 */
export class S3HttpRequest {
  private readonly uuid = randomUUID(); // from Node's pooled entropy: one getrandom per 128 ids, not two per request
  /** 16 upper-case hex characters, like AWS request ids. */
  readonly requestId = (this.uuid.slice(0, 8) + this.uuid.slice(9, 13) + this.uuid.slice(19, 23)).toUpperCase();
  /** Opaque companion id (AWS x-amz-id-2): the whole id, base64. */
  readonly hostId = Buffer.from(this.uuid.replaceAll('-', ''), 'hex').toString('base64');
  readonly method: string;
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly headers: IncomingHttpHeaders;
  /** performance.now() when the request reached the S3 layer: the start of its recorded duration. */
  readonly receivedAt = performance.now();
  /** The peer's address (a proxy's, when one is in front); read on arrival, as a closed socket no longer has it. */
  readonly clientAddress: string | undefined;
  /** The operation the request asked for, once the router named it (set by the dispatcher; read when recording). */
  operation?: S3Operation;
  /** Bucket and key the path names, once the dispatcher parsed it (read when recording). */
  target?: S3Target;
  /** The served bucket the request reached, once its key was allowed there (set by the dispatcher; a metric label). */
  bucket?: string;
  /** Set by S3ReplyWriter once the request's end is being watched (metrics, access line): recorded once. */
  recorded = false;
  private body?: RequestBodySource;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    // The request target as it came off the wire (no router rewrote it: s3-request.listener.ts): what was signed.
    const { rawPath, rawQuery } = splitRawUrl(req.url ?? '/');
    this.method = (req.method ?? 'GET').toUpperCase();
    this.rawPath = rawPath;
    this.rawQuery = rawQuery;
    // Header values as the client sent them (UTF-8 bytes, not Node's Latin-1 reading): signed and stored so.
    this.headers = headersAsText(req.headers);
    this.clientAddress = req.socket.remoteAddress;
  }

  /** The body; reading it sends `100 Continue` to a client that waits for it. Call once. */
  openBody(): Readable {
    return this.bodySource();
  }

  /** The body without a stream, chunk by chunk (RequestBodySource.gather); sends `100 Continue` too. Call once. */
  gatherBody(accept: (chunk: Buffer) => void): Promise<void> {
    return this.bodySource().gather(accept);
  }

  /** Body bytes read from the wire so far (0 when the operation never opened the body). */
  get bodyBytesRead(): number {
    return this.body?.bytesRead ?? 0;
  }

  /**
   * Before an error answer: makes sure what the client has not yet sent, or we have not read, neither hangs
   * the request nor is parsed as the next request on a keep-alive connection. Returns true when the
   * connection must close after the answer (the client still waits for 100 Continue and never sends the body —
   * RFC 9110 §10.1.1 — or more is announced than is worth reading).
   */
  settleUnreadBody(): boolean {
    this.body?.detach();
    const req = this.req;
    if (req.complete || req.readableEnded) return false;
    if (isWaitingForContinue(req)) return true;
    // Unknown length (chunked) is drained too; past the limit the connection is cut, the answer being sent by then.
    let seen = 0;
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > DRAIN_LIMIT_BYTES) req.socket.destroy();
    });
    req.resume();
    return Number(req.headers['content-length'] ?? 0) > DRAIN_LIMIT_BYTES;
  }

  private bodySource(): RequestBodySource {
    this.body ??= new RequestBodySource(this.req, () => sendContinue(this.req, this.res));
    return this.body;
  }
}
