import type { FileHandle } from 'node:fs/promises';

/**
 * Writes every byte of `bytes` at the file's position: write(2) may write less than asked (a full disk, a signal),
 * so it loops until all are written or one write fails.
 */
export async function writeAll(file: FileHandle, bytes: Buffer): Promise<void> {
  for (let offset = 0; offset < bytes.length;) offset += (await file.write(bytes, offset)).bytesWritten;
}
