import type { ObjectHeaders } from './storage.backend.js';

const HEADER_NAMES = [
  'contentType',
  'contentEncoding',
  'contentDisposition',
  'contentLanguage',
  'cacheControl',
  'expires',
] as const;

/** The stored headers of an object, copied; absent ones stay absent (not `undefined` properties). */
export function pickHeaders(source: ObjectHeaders): ObjectHeaders {
  const headers: ObjectHeaders = { userMetadata: { ...(source.userMetadata ?? {}) } };
  for (const name of HEADER_NAMES) {
    if (source[name] !== undefined) headers[name] = source[name];
  }
  return headers;
}
