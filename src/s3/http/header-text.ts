import type { IncomingHttpHeaders } from 'node:http';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A header value as the client meant it. Node hands header bytes over as Latin-1 text; clients that send non-ASCII
 * values (curl, Go's net/http, the aws CLI v2) send UTF-8 and sign those bytes. A value whose bytes are valid UTF-8
 * is therefore read as UTF-8; any other (a Latin-1 byte such as 0xE9 alone, as Python's http.client sends `é`)
 * stays Latin-1.
 */
export function headerText(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\x80-\xff]/.test(value) || /[^\x00-\xff]/.test(value)) return value;
  try {
    return utf8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

/**
 * A request header as one value. Node's parser already joins a repeated header into one string with ", " (and
 * keeps only the first of those whose repetition makes no sense, such as Authorization: http.IncomingMessage
 * `headers`); only Set-Cookie comes as a list. Any list is joined the same way (RFC 9110 §5.3).
 */
export function oneValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** All request headers through `headerText`. */
export function headersAsText(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = Array.isArray(value) ? value.map(headerText) : value === undefined ? undefined : headerText(value);
  }
  return out;
}

const ENCODED_WORD = /^=\?UTF-8\?([BQ])\?([^?]*)\?=$/i;

/**
 * User metadata values travel as RFC 2047 encoded words when they are not US-ASCII: AWS "decodes them as per
 * RFC 2047 before storing and encodes them as per RFC 2047 to make them mail-safe before returning" (Amazon S3
 * User Guide, "Working with object metadata"). `=?UTF-8?B?…?=` / `=?UTF-8?Q?…?=` → text; anything else as is.
 */
export function decodeMetadataValue(value: string): string {
  const m = ENCODED_WORD.exec(value.trim());
  if (!m) return value;
  if (m[1].toUpperCase() === 'B') return Buffer.from(m[2], 'base64').toString('utf8');
  const bytes = m[2]
    .replace(/_/g, ' ')
    .replace(/=([0-9A-Fa-f]{2})/g, (_escape, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return headerText(bytes);
}

/** A stored metadata value for a response header: US-ASCII as is, anything else as one RFC 2047 B encoded word. */
export function encodeMetadataValue(value: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(value) ? value : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/**
 * A response header value as Node must be given it: Node writes each character as one Latin-1 byte and refuses
 * anything beyond U+00FF, so non-ASCII text (a stored Content-Disposition with a UTF-8 file name) is handed over as
 * its UTF-8 bytes, the bytes the client sent.
 */
export function wireHeaderValue(value: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(value) ? value : Buffer.from(value, 'utf8').toString('latin1');
}
