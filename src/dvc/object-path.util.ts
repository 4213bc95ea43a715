import { DvcFormatError } from './dvc-format.error.js';
import { isObjectId } from './md5.util.js';

/**
 * Where DVC 3 keeps an object under a cache or remote root (dvc-objects `HashFileDB.oid_to_path` with the
 * `files/md5` prefix of dvc-data 3): `files/md5/<2 hex>/<30 hex>[.dir]`. DVC 2 used `<2 hex>/<30 hex>`.
 */
export function objectRelPath(id: string): string {
  if (!isObjectId(id))
    throw new DvcFormatError(`'${id}' is not a DVC object id (32 lowercase hex digits, optionally + .dir)`);
  return `files/md5/${id.slice(0, 2)}/${id.slice(2)}`;
}

/** The inverse, for a listing: `files/md5/ab/cdef…` → `abcdef…`, or undefined for anything else. */
export function objectIdFromRelPath(relPath: string): string | undefined {
  const match = /^files\/md5\/([0-9a-f]{2})\/([0-9a-f]{30}(?:\.dir)?)$/.exec(relPath);
  return match ? match[1] + match[2] : undefined;
}
