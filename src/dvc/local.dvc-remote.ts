import { createHash, randomUUID } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { access, chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DvcRemote, type ObjectSource, type RemoteHealth } from './dvc.remote.js';
import { DvcRemoteError } from './dvc-remote.error.js';
import { objectRelPath } from './object-path.util.js';

/** How many files are looked at, or written, at the same time. */
const PARALLEL = 32;

/**
 * A DVC remote (or cache) in a local folder, laid out as dvc-objects' `LocalFileSystem` + `HashFileDB`
 * write it: tmp file + rename so a reader never sees half an object, then mode 0444, which DVC takes as
 * "already verified" and never re-hashes (dvc-objects `HashFileDB.protect`).
 */
export class LocalDvcRemote extends DvcRemote {
  constructor(
    private readonly root: string,
    private readonly name?: string,
  ) {
    super();
  }

  describe(): string {
    return this.name ? `local folder ${this.root} (remote '${this.name}')` : `local folder ${this.root}`;
  }

  async missing(ids: readonly string[]): Promise<Set<string>> {
    const result = new Set<string>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += PARALLEL) {
      await Promise.all(
        unique.slice(i, i + PARALLEL).map(async (id) => {
          if (!(await this.exists(id))) result.add(id);
        }),
      );
    }
    return result;
  }

  async upload(id: string, source: ObjectSource, _size?: number): Promise<void> {
    const target = this.pathOf(id);
    await mkdir(dirname(target), { recursive: true });
    const tmp = `${target}.${randomUUID()}.tmp`;
    try {
      const hash = createHash('md5');
      const body = source();
      await pipeline(
        Buffer.isBuffer(body) ? Readable.from([body]) : body,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) yield (hash.update(chunk), chunk);
        },
        createWriteStream(tmp, { flags: 'wx', mode: 0o644 }),
      );
      await syncFile(tmp);
      const md5 = hash.digest('hex');
      // The id is the md5 of the bytes: anything else would be a corrupt object that DVC trusts (0444).
      if (md5 !== id.replace(/\.dir$/, '')) {
        throw new DvcRemoteError(`object ${id}: the bytes read hash to ${md5} (the file changed after it was hashed?); not stored in ${this.describe()}`);
      }
      await chmod(tmp, 0o444);
      await rename(tmp, target);
    } catch (error) {
      await rm(tmp, { force: true });
      if (error instanceof DvcRemoteError) throw error;
      throw new DvcRemoteError(`object ${id}: cannot write to ${this.describe()}: ${(error as Error).message}`, { cause: error });
    }
  }

  async read(id: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(id));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new DvcRemoteError(`object ${id}: cannot read from ${this.describe()}: ${(error as Error).message}`, { cause: error });
    }
  }

  async check(): Promise<RemoteHealth> {
    try {
      // DVC creates a missing remote folder on push; so do we.
      await mkdir(this.root, { recursive: true });
      await access(this.root, constants.W_OK);
      return { ok: true };
    } catch (error) {
      return { ok: false, error: `${this.describe()}: ${(error as Error).message}` };
    }
  }

  private pathOf(id: string): string {
    return join(this.root, objectRelPath(id));
  }

  private async exists(id: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(id))).isFile();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new DvcRemoteError(`object ${id}: cannot look in ${this.describe()}: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** Durable before the rename makes it visible: a commit may reference it right after the push. */
async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
