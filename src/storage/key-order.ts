import type { ListQuery } from './storage.backend.js';

/**
 * S3 lists keys in UTF-8 binary order (AWS ListObjectsV2: "returned in UTF-8 binary order").
 * JS string comparison is UTF-16 order, which differs for astral characters vs U+E000..U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Whether a key belongs to the answer of a list query, limit aside. */
export function isListed(key: string, query: Omit<ListQuery, 'limit'>): boolean {
  if (!key.startsWith(query.prefix)) return false;
  if (query.after !== undefined && compareKeys(key, query.after) <= 0) return false;
  if (query.skipPrefix !== undefined && query.skipPrefix !== '' && key.startsWith(query.skipPrefix)) return false;
  return true;
}
