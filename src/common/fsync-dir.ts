import { open } from 'node:fs/promises';

/**
 * Makes the entries of a directory durable (a file created, renamed in or removed there survives a power cut):
 * a rename is only as durable as its directory, and Linux needs an fsync of the directory itself for that
 * (LWN, "Ensuring data reaches disk"). Shared by storage, the local DVC remote and the embedded git repository.
 */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
