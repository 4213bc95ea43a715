import { unquoteETag } from '../../storage/multipart.rules.js';
import { S3Error } from '../errors/s3-error.js';
import { oneValue } from './header-text.js';

export interface ConditionHeaders {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
}

export interface ConditionTarget {
  /** MD5 hex, unquoted. */
  md5: string;
  lastModified: Date;
}

/**
 * `read` (GET/HEAD): a failed If-None-Match/If-Modified-Since is 304 Not Modified.
 * `copy` (x-amz-copy-source-if-*): every failed condition is 412 (AWS CopyObject reference).
 */
export type ConditionMode = 'read' | 'copy';

/** `"abc", W/"def"`, `*` → does any of them name this ETag? (S3 compares ETags strongly, quotes optional.) */
export function etagMatches(header: string, md5: string): boolean {
  return header.split(',').some((raw) => {
    const tag = unquoteETag(raw.trim().replace(/^W\//, ''));
    return tag === '*' || tag === md5;
  });
}

/** HTTP-date in whole seconds, or undefined when invalid (RFC 9110 §13.1.3/§13.1.4: an invalid date is ignored). */
function seconds(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const ms = Date.parse(header);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/**
 * RFC 9110 §13.2.2 evaluation order, which is also the precedence S3 documents for GetObject:
 * 1. If-Match false → 412 (and If-Unmodified-Since is then not looked at: If-Match true + If-Unmodified-Since false → 200);
 * 2. else If-Unmodified-Since false → 412;
 * 3. If-None-Match matches → 304 on GET/HEAD (and If-Modified-Since is then not looked at:
 *    If-None-Match false + If-Modified-Since true → 304);
 * 4. else If-Modified-Since not modified → 304.
 * Throws the S3 error to answer; returns when the request may proceed.
 */
export function checkConditions(headers: ConditionHeaders, target: ConditionTarget, mode: ConditionMode): void {
  const lastModified = Math.floor(target.lastModified.getTime() / 1000);
  if (headers.ifMatch !== undefined) {
    if (!etagMatches(headers.ifMatch, target.md5)) throw preconditionFailed('If-Match');
  } else {
    const since = seconds(headers.ifUnmodifiedSince);
    if (since !== undefined && lastModified > since) throw preconditionFailed('If-Unmodified-Since');
  }
  if (headers.ifNoneMatch !== undefined) {
    if (etagMatches(headers.ifNoneMatch, target.md5)) throw notModified('If-None-Match', target, mode);
  } else {
    const since = seconds(headers.ifModifiedSince);
    if (since !== undefined && lastModified <= since) throw notModified('If-Modified-Since', target, mode);
  }
}

function preconditionFailed(condition: string): S3Error {
  return new S3Error('PreconditionFailed', undefined, { Condition: condition });
}

function notModified(condition: string, target: ConditionTarget, mode: ConditionMode): S3Error {
  if (mode === 'copy') return preconditionFailed(`x-amz-copy-source-${condition.toLowerCase()}`);
  // A 304 carries the validators the client compares with its cached copy (RFC 9110 §15.4.5).
  return new S3Error('NotModified', undefined, {
    etag: `"${target.md5}"`,
    'last-modified': target.lastModified.toUTCString(),
  });
}

type Headers = Record<string, string | string[] | undefined>;

/** The conditions of a GET/HEAD (`if-*`) or of a copy source (`x-amz-copy-source-if-*`). */
export function conditionHeaders(headers: Headers, mode: ConditionMode): ConditionHeaders {
  const p = mode === 'copy' ? 'x-amz-copy-source-' : '';
  return {
    ifMatch: oneValue(headers[`${p}if-match`]),
    ifNoneMatch: oneValue(headers[`${p}if-none-match`]),
    ifModifiedSince: oneValue(headers[`${p}if-modified-since`]),
    ifUnmodifiedSince: oneValue(headers[`${p}if-unmodified-since`]),
  };
}
