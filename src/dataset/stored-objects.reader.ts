import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { buffer } from 'node:stream/consumers';
import { DvcPushError } from '../dvc/dvc-push.error.js';
import type { ObjectSource } from '../dvc/dvc.remote.js';
import { StorageBackend } from '../storage/storage.backend.js';
import { StorageError } from '../storage/storage.errors.js';
import type { StoredObjects } from './dataset-layout.port.js';

const PAGE = 1000;

/** Thrown when an object changed between planning and upload: the flush is planned again. */
export class ObjectChangedError extends Error {
  constructor(readonly key: string) {
    super(`object ${JSON.stringify(key)} changed during the flush`);
    this.name = 'ObjectChangedError';
  }
}

/**
 * Whether a failed push failed only because objects changed under it (so planning again fixes it). The
 * remotes wrap a stream's error (`DvcRemoteError` with `cause`), and `pushDataset` gathers the failures of
 * all uploads in a `DvcPushError`: look through both.
 */
export function isObjectChange(error: unknown): boolean {
  if (error instanceof ObjectChangedError) return true;
  if (error instanceof DvcPushError)
    return error.failed.length > 0 && error.failed.every((failure) => isObjectChange(failure.error));
  return error instanceof Error && error.cause !== undefined && isObjectChange(error.cause);
}

const isNoSuchKey = (error: unknown) => error instanceof StorageError && error.code === 'NoSuchKey';
const isInvalidRange = (error: unknown) => error instanceof StorageError && error.code === 'InvalidRange';
const isPreconditionFailed = (error: unknown) => error instanceof StorageError && error.code === 'PreconditionFailed';

/** The read-only port the dataset layouts read stored objects through, over the storage backend. */
export class StoredObjectsReader implements StoredObjects {
  constructor(private readonly storage: StorageBackend) {}

  async head(key: string): Promise<{ md5: string; size: number } | undefined> {
    try {
      const { md5, size } = await this.storage.headObject(key);
      return { md5, size };
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw error;
    }
  }

  async read(key: string): Promise<{ md5: string; bytes: Buffer } | undefined> {
    try {
      const { meta, body } = await this.storage.getObject(key);
      return { md5: meta.md5, bytes: await buffer(body) };
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw error;
    }
  }

  async *keys(): AsyncIterable<string[]> {
    for (let after: string | undefined; ;) {
      // The index answers without I/O, so its awaits resolve as microtasks: 100 pages would run as one block of the
      // event loop. A turn between pages lets PUTs in (invariant 7).
      if (after !== undefined) await nextTurn();
      const page = await this.storage.listObjects({ prefix: '', after, limit: PAGE });
      if (page.length > 0) yield page.map((meta) => meta.key);
      if (page.length < PAGE) return;
      after = page[page.length - 1].key;
    }
  }

  /**
   * A PUT may replace the object between planning and upload (or a DELETE remove it): the stream then fails with
   * ObjectChangedError instead of sending bytes that do not hash to the object id. The md5 is checked against the
   * object's row, read under the key's lock together with the opening of its file; the bytes are not hashed again
   * here: storage never writes a file in place (temp file + rename), so the file opened is the one the row
   * describes, and every remote hashes what it receives anyway (it must refuse bytes that do not match the id).
   * `linkTo` links the stored file itself, checked the same way (a remote in a local folder on the same file system
   * pushes it so: storage never rewrites a stored file, docs/architecture.md "One PUT").
   * The read asks for exactly `size` bytes: a file stream otherwise allocates a 64 KiB buffer per object and reads
   * once more to find the end, which for a flush of 100,000 small objects was most of its garbage collection.
   */
  source(key: string, planned: { md5: string; size: number }): ObjectSource {
    const storage = this.storage;
    const range = planned.size > 0 ? { start: 0, end: planned.size - 1 } : undefined;
    // The md5 the PUT computed while storing is the object's DVC id: a remote that can link the file needs no byte.
    const linkTo = (path: string) =>
      storage.linkObject(key, path, planned).catch((error: unknown) => {
        throw isNoSuchKey(error) || isPreconditionFailed(error) ? new ObjectChangedError(key) : error;
      });
    const open = () =>
      Readable.from(
        (async function* () {
          const { meta, body } = await storage.getObject(key, range).catch((error: unknown) => {
            // A DELETE raced us (or a PUT made it shorter): as for a PUT, the next plan sees it.
            throw isNoSuchKey(error) || isInvalidRange(error) ? new ObjectChangedError(key) : error;
          });
          if (meta.md5 !== planned.md5 || meta.size !== planned.size) {
            body.destroy();
            throw new ObjectChangedError(key);
          }
          yield* body;
        })(),
      );
    return Object.assign(open, { linkTo });
  }
}
