import { Readable } from 'node:stream';
import { DvcPushError } from '../dvc/dvc-push.error.js';
import { StorageBackend } from '../storage/storage.backend.js';
import { StorageError } from '../storage/storage.errors.js';

/** Thrown when an object changed between planning and upload: the flush is planned again. */
export class ObjectChangedError extends Error {
  constructor(readonly key: string) {
    super(`object ${JSON.stringify(key)} changed during the flush`);
    this.name = 'ObjectChangedError';
  }
}

/**
 * Whether a failed push failed only because objects changed under it (so planning again fixes it). The
 * remotes wrap a stream's error (`DvcRemoteError` with `cause`), and `pushObjects` gathers the failures of
 * all uploads in a `DvcPushError`: look through both.
 */
export function isObjectChange(error: unknown): boolean {
  if (error instanceof ObjectChangedError) return true;
  if (error instanceof DvcPushError)
    return error.failed.length > 0 && error.failed.every((failure) => isObjectChange(failure.error));
  return error instanceof Error && error.cause !== undefined && isObjectChange(error.cause);
}

/**
 * The bytes of a stored object for a DVC upload, opened only when the upload starts. A PUT may replace the
 * object in between (or a DELETE remove it): the stream then fails with ObjectChangedError instead of
 * sending bytes that do not hash to the object id. The md5 is checked against the object's row, read under the
 * key's lock together with the opening of its file; the bytes are not hashed again here: storage never writes a
 * file in place (temp file + rename), so the file opened is the one the row describes, and every remote hashes
 * what it receives anyway (it must refuse bytes that do not match the id): hashing here too would do it twice.
 */
export function lazyObjectSource(storage: StorageBackend, key: string, md5: string): () => Readable {
  return () =>
    Readable.from(
      (async function* () {
        const { meta, body } = await storage.getObject(key).catch((error: unknown) => {
          // A DELETE raced us: as for a PUT, the next plan sees it.
          throw error instanceof StorageError && error.code === 'NoSuchKey' ? new ObjectChangedError(key) : error;
        });
        if (meta.md5 !== md5) {
          body.destroy();
          throw new ObjectChangedError(key);
        }
        yield* body;
      })(),
    );
}
