import type { S3Operation } from '../routing/s3-operation.router.js';
import type { S3Target } from '../routing/s3-target.js';

/** What the access line of one answered S3 request is made of. */
export interface S3Access {
  requestId: string;
  method: string;
  /** Undefined when the request never got that far (CORS preflight, malformed path, unsupported operation). */
  operation: S3Operation | undefined;
  /** Undefined when the path could not be parsed: the raw path is logged instead. */
  target: S3Target | undefined;
  rawPath: string;
  status: number;
  /** The S3 error code answered (AccessDenied, SignatureDoesNotMatch, …), if any. */
  errorCode: string | undefined;
  /** Request body bytes read from the wire (aws-chunked framing included). */
  bytesIn: number;
  /** The answer's Content-Length header, when it had one. */
  contentLength: string | undefined;
  durationSeconds: number;
  client: string | undefined;
}

/**
 * The one access-log line of an S3 request: operation and status as the message, the rest as fields. Never the
 * query string (a presigned URL's signature is a bearer credential) nor any header (Authorization).
 */
export function s3AccessLine(access: S3Access): { message: string; fields: Record<string, unknown> } {
  const operation = access.operation ?? access.method;
  // A HEAD answer announces the object's length and sends no body.
  const bytesOut = access.method === 'HEAD' ? 0 : Number(access.contentLength);
  return {
    message: `${operation} ${access.status}${access.errorCode ? ` ${access.errorCode}` : ''}`,
    fields: {
      requestId: access.requestId,
      operation,
      bucket: access.target?.bucket,
      key: access.target?.key,
      path: access.target ? undefined : access.rawPath,
      status: access.status,
      errorCode: access.errorCode,
      bytesIn: access.bytesIn,
      bytesOut: Number.isFinite(bytesOut) ? bytesOut : undefined,
      durationMs: Math.round(access.durationSeconds * 10_000) / 10,
      client: access.client,
    },
  };
}
