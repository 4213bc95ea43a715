import type { ObjectMeta } from './storage.backend.js';

/** One row of the `objects` table. The key is a BLOB: SQLite compares BLOBs with memcmp, i.e. UTF-8 byte order. */
export interface ObjectRow {
  key: Buffer;
  size: number;
  md5: string;
  last_modified: number;
  content_type: string | null;
  content_encoding: string | null;
  content_disposition: string | null;
  content_language: string | null;
  cache_control: string | null;
  expires: string | null;
  user_metadata: string;
  checksums: string;
  /** JSON `{ etag, partSizes }` of an object made by CompleteMultipartUpload; NULL otherwise. */
  multipart: string | null;
  seq: number;
}

export const OBJECT_COLUMNS =
  'key, size, md5, last_modified, content_type, content_encoding, content_disposition, content_language, cache_control, expires, user_metadata, checksums, multipart, seq';

export function rowToMeta(row: ObjectRow): ObjectMeta {
  const meta: ObjectMeta = {
    key: row.key.toString('utf8'),
    size: row.size,
    md5: row.md5,
    lastModified: new Date(row.last_modified),
    userMetadata: JSON.parse(row.user_metadata) as Record<string, string>,
    checksums: JSON.parse(row.checksums) as Record<string, string>,
  };
  // Absent headers stay absent (not `undefined` properties), so metas compare equal after a round trip.
  if (row.content_type !== null) meta.contentType = row.content_type;
  if (row.content_encoding !== null) meta.contentEncoding = row.content_encoding;
  if (row.content_disposition !== null) meta.contentDisposition = row.content_disposition;
  if (row.content_language !== null) meta.contentLanguage = row.content_language;
  if (row.cache_control !== null) meta.cacheControl = row.cache_control;
  if (row.expires !== null) meta.expires = row.expires;
  if (row.multipart !== null) meta.multipart = JSON.parse(row.multipart) as ObjectMeta['multipart'];
  return meta;
}

export function metaToRow(meta: ObjectMeta, seq: number): ObjectRow {
  return {
    key: Buffer.from(meta.key, 'utf8'),
    size: meta.size,
    md5: meta.md5,
    last_modified: meta.lastModified.getTime(),
    content_type: meta.contentType ?? null,
    content_encoding: meta.contentEncoding ?? null,
    content_disposition: meta.contentDisposition ?? null,
    content_language: meta.contentLanguage ?? null,
    cache_control: meta.cacheControl ?? null,
    expires: meta.expires ?? null,
    user_metadata: JSON.stringify(meta.userMetadata ?? {}),
    checksums: JSON.stringify(meta.checksums ?? {}),
    multipart: meta.multipart ? JSON.stringify(meta.multipart) : null,
    seq,
  };
}
