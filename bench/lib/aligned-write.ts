import { closeSync, constants, ftruncateSync, openSync, writeSync } from 'node:fs';

const PAGE = 4096;

/** The ES2022 lib does not declare WebAssembly; its Memory is the one page-aligned buffer JS can make. */
declare const WebAssembly: { Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer } };

/** `bytes` copied into page-aligned memory, padded with zeros to whole 4 KiB pages (what O_DIRECT accepts). */
export function alignedCopy(bytes: Buffer): Buffer {
  const padded = Math.ceil(bytes.length / PAGE) * PAGE;
  const aligned = Buffer.from(new WebAssembly.Memory({ initial: Math.ceil(padded / 65536) }).buffer, 0, padded);
  bytes.copy(aligned);
  return aligned;
}

/**
 * Creates `path` holding the first `size` bytes of `aligned` (alignedCopy), written past the page cache as the local
 * DVC remote writes a large `.dir` (src/common/direct-write.ts), and returns its open descriptor for the fsync.
 */
export function createDirectSync(path: string, aligned: Buffer, size: number): number {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_DIRECT);
  try {
    for (let offset = 0; offset < aligned.length;)
      offset += writeSync(fd, aligned, offset, aligned.length - offset, offset);
    ftruncateSync(fd, size);
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}
