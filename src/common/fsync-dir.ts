import { closeSync, fdatasync, fsync, openSync } from 'node:fs';

/**
 * Makes the entries of a directory durable (a file created, renamed in or removed there survives a power cut):
 * a rename is only as durable as its directory, and Linux needs an fsync of the directory itself for that
 * (LWN, "Ensuring data reaches disk"). Shared by storage, the local DVC remote and the embedded git repository.
 * Only the fsync waits for the disk, so only it goes to libuv's thread pool: opening and closing a directory are
 * quicker than a pool round trip (on the PUT path: one per folder a batch of PUTs lands in, durable-dirs.ts).
 */
export async function fsyncDir(dir: string): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * fsync(2) (or fdatasync(2): `dataOnly`) of an open descriptor on libuv's thread pool, through the callback API:
 * no FileHandle and its promise machinery per call, on paths that run once per PUT.
 */
export function fsyncFd(fd: number, dataOnly = false): Promise<void> {
  return new Promise((resolve, reject) =>
    (dataOnly ? fdatasync : fsync)(fd, (error) => (error ? reject(error) : resolve())),
  );
}
