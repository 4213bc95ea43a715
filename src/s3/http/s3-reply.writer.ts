import { Injectable, Logger, Optional } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { toS3Error } from '../errors/to-s3-error.js';
import { errorDocument, errorHeaders } from '../xml/s3-documents.js';
import { renderXml } from '../xml/s3-xml.writer.js';
import { corsHeaders } from './cors.js';
import { wireHeaderValue } from './header-text.js';
import { s3AccessLine } from './s3-access.line.js';
import type { S3HttpRequest } from './s3-http.request.js';
import type { S3Reply } from './s3-reply.js';
import { S3RequestRecorder } from './s3-request.recorder.js';

/** Statuses that never carry a body (RFC 9110 §15.3.5, §15.4.5). */
const BODYLESS = new Set([204, 304]);

/** Writes S3 answers and S3 errors to the wire: the only code that touches the response. */
@Injectable()
export class S3ReplyWriter {
  private readonly logger = new Logger('S3');

  constructor(@Optional() private readonly recorder?: S3RequestRecorder) {}

  send(request: S3HttpRequest, res: ServerResponse, reply: S3Reply): void {
    const headers: Record<string, string> = {};
    this.recordWhenDone(request, res, headers);
    // Rendered before anything is written, so a document that cannot be rendered is still answered as an error.
    const xml = reply.xml === undefined ? undefined : Buffer.from(renderXml(reply.xml), 'utf8');
    Object.assign(headers, this.wire(reply.headers ?? {}), this.common(request, Object.keys(reply.headers ?? {})));
    // An operation that did not need the body (a client may still send one) must not leave it in the connection.
    if (request.settleUnreadBody()) headers.connection = 'close';
    const withBody = request.method !== 'HEAD' && !BODYLESS.has(reply.status);
    if (xml !== undefined) {
      headers['content-type'] = 'application/xml';
      headers['content-length'] = String(xml.length);
    }
    if (reply.body === undefined || !withBody) {
      reply.body?.destroy();
      if (withBody && headers['content-length'] === undefined) headers['content-length'] = '0';
      res.writeHead(reply.status, headers);
      res.end(withBody ? xml : undefined);
      return;
    }
    res.writeHead(reply.status, headers);
    pipeline(reply.body, res, (error) => {
      // Headers are gone: all that is left is to cut the connection, so the client sees a short body, not a wrong one.
      if (error && !isClientGone(res))
        this.logger.warn(`request ${request.requestId}: response body failed: ${error.message}`);
    });
  }

  /** Non-ASCII values as UTF-8 bytes (Node would refuse characters beyond Latin-1 and answer nothing). */
  private wire(headers: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, wireHeaderValue(value)]));
  }

  /** Any error thrown while serving `request`, answered as S3 XML (status and headers only for HEAD). */
  sendError(request: S3HttpRequest, res: ServerResponse, thrown: unknown): void {
    const { error, unexpected } = toS3Error(thrown);
    const headers: Record<string, string> = {};
    this.recordWhenDone(request, res, headers, error.code);
    if (unexpected) {
      const detail = thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown);
      this.logger.error(`request ${request.requestId} ${request.method} ${request.rawPath} failed: ${detail}`);
    } else if (error.status >= 500) {
      this.logger.warn(
        `request ${request.requestId} ${request.method} ${request.rawPath}: ${error.code} ${error.message}`,
      );
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    Object.assign(headers, errorHeaders(error), this.common(request, []));
    if (request.settleUnreadBody()) headers.connection = 'close';
    if (request.method === 'HEAD' || BODYLESS.has(error.status)) {
      res.writeHead(error.status, headers);
      res.end();
      return;
    }
    const xml = Buffer.from(renderXml(errorDocument(error, request.rawPath, request.requestId)), 'utf8');
    headers['content-type'] = 'application/xml';
    headers['content-length'] = String(xml.length);
    res.writeHead(error.status, headers);
    res.end(xml);
  }

  /**
   * Once per request (an error after `send` started streaming comes through here again), when the response is
   * over: 'close' fires after the last byte or when the client went away, so a streamed GET counts whole.
   * Recorded for metrics (when a recorder is provided) and as the request's access-log line at `info`.
   */
  private recordWhenDone(
    request: S3HttpRequest,
    res: ServerResponse,
    /** The answer's headers, filled by the caller after this call (read when the response is over). */
    headers: Record<string, string>,
    errorCode?: string,
  ): void {
    const recorder = this.recorder;
    // Checked once per request: with LOG_LEVEL above info the line costs nothing.
    const logAccess = Logger.isLevelEnabled('log');
    if ((!recorder && !logAccess) || request.recorded) return;
    request.recorded = true;
    const record = () => {
      const durationSeconds = (performance.now() - request.receivedAt) / 1000;
      try {
        recorder?.record({
          operation: request.operation,
          bucket: request.bucket,
          status: res.statusCode,
          durationSeconds,
          bodyBytes: request.bodyBytesRead,
        });
        if (logAccess) {
          const { message, fields } = s3AccessLine({
            requestId: request.requestId,
            method: request.method,
            operation: request.operation,
            target: request.target,
            rawPath: request.rawPath,
            status: res.statusCode,
            errorCode,
            bytesIn: request.bodyBytesRead,
            contentLength: headers['content-length'],
            durationSeconds,
            client: request.clientAddress,
          });
          this.logger.log(message, fields);
        }
      } catch (error) {
        // This runs in an event listener, where a throw would end the process: observing must never cost that.
        this.logger.warn(`request ${request.requestId}: recording failed: ${(error as Error).message}`);
      }
    };
    // The client may be gone before the answer (an aborted upload): 'close' has fired already, so record on the
    // next turn, after the caller has set the status it answers with.
    if (res.closed) setImmediate(record);
    else res.once('close', record);
  }

  /** On every answer: request ids (AWS: x-amz-request-id matches the error's RequestId) and CORS for browsers. */
  private common(request: S3HttpRequest, headerNames: string[]): Record<string, string> {
    return {
      'x-amz-request-id': request.requestId,
      'x-amz-id-2': request.hostId,
      ...corsHeaders(request.headers, headerNames),
    };
  }
}

function isClientGone(res: ServerResponse): boolean {
  return res.destroyed && !res.writableFinished;
}
