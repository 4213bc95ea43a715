import type { S3Operation } from '../routing/s3-operation.router.js';

/** One answered S3 request as an observer sees it: no key, no header, nothing a client could put a secret in. */
export interface S3RequestRecord {
  /** Undefined when the request never got that far: CORS preflight, malformed path, unsupported operation. */
  operation: S3Operation | undefined;
  /** The served bucket the request reached; undefined before (or without) one: never a name a client made up. */
  bucket: string | undefined;
  /** The status the client was answered with. */
  status: number;
  /** From the request reaching the S3 layer to the last byte of the answer (or the connection closing). */
  durationSeconds: number;
  /** Request body bytes read from the wire (aws-chunked framing included). */
  bodyBytes: number;
}

/**
 * Who watches S3 traffic (metrics) without the S3 layer knowing about them: S3ReplyWriter injects this seam
 * optionally and calls it once per answered request; with no provider (an app without metrics, the S3 test
 * harness), nothing is recorded. A DI seam rather than a process-wide channel, so two apps in one process
 * (tests) each see only their own requests.
 */
export abstract class S3RequestRecorder {
  abstract record(request: S3RequestRecord): void;
}
