import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir } from '../common/fsync-dir.js';

/**
 * Writes a file so that a crash leaves the old content or the new one, never a truncated file:
 * tmp + fsync + rename + fsync of the folder.
 * Why: isomorphic-git writes loose objects in place and skips any object file that already exists
 * (writeObjectLoose: "Don't overwrite existing git objects"), so a torn write would be kept forever and
 * a later commit would reference a corrupt object; and it never fsyncs, so a ref could outlive the
 * objects it names after a power cut.
 */
async function writeFileDurably(
  path: string,
  data: string | Uint8Array,
  options?: { mode?: number; encoding?: BufferEncoding } | BufferEncoding,
): Promise<void> {
  const opts = typeof options === 'string' ? { encoding: options } : (options ?? {});
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  const handle = await fsp.open(tmp, 'w', opts.mode ?? 0o644);
  try {
    await handle.writeFile(data, opts.encoding ? { encoding: opts.encoding } : undefined);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fsp.rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  await fsp.rename(tmp, path);
  await fsyncDir(dirname(path));
}

/**
 * The fs client handed to isomorphic-git (its FileSystem takes an object with an enumerable
 * `promises`): node's own calls, with every file write made atomic and durable.
 */
export const durableFs = {
  promises: {
    readFile: fsp.readFile,
    writeFile: writeFileDurably,
    mkdir: fsp.mkdir,
    rmdir: fsp.rmdir,
    unlink: fsp.unlink,
    stat: fsp.stat,
    lstat: fsp.lstat,
    readdir: fsp.readdir,
    readlink: fsp.readlink,
    symlink: fsp.symlink,
    rm: fsp.rm,
    chmod: fsp.chmod,
  },
};
