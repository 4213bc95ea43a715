import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { writeAll } from './write-all.js';

/**
 * Bytes handed to write(2) at a time past the page cache. O_DIRECT needs the memory's address, the file offset and
 * the length aligned to the device's logical block size (512 B or 4 KiB: open(2), "O_DIRECT"); every chunk but the
 * last is a multiple of 4 KiB, and the last is padded to one, then the file cut to its size.
 */
const CHUNK = 4 * 1024 * 1024;
const ALIGN = 4096;
const WASM_PAGE = 64 * 1024;

/** The part of the WebAssembly global used here (the ES2022 lib that tsconfig.json names does not declare it). */
declare const WebAssembly: { Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer } };

/**
 * `bytes` (rounded up to 64 KiB) of memory whose address is page-aligned: a WebAssembly.Memory's buffer, which V8
 * maps on its own pages, the one way to get aligned memory from JS.
 */
export function alignedMemory(bytes: number): Buffer {
  return Buffer.from(new WebAssembly.Memory({ initial: Math.ceil(bytes / WASM_PAGE) }).buffer);
}

/**
 * Staging chunks, kept and reused, one per write in progress: memory mapped once stays backed, where a new allocation
 * per write would fault every page in again.
 */
const spare: Buffer[] = [];
const takeStaging = (): Buffer => spare.pop() ?? alignedMemory(CHUNK);

/** Where the aligned chunks come from (the spec hands a misaligned one, as a device with larger blocks would be). */
export interface StagingMemory {
  take(): Buffer;
  give(buffer: Buffer): void;
}

const alignedStaging: StagingMemory = { take: takeStaging, give: (buffer) => void spare.push(buffer) };

/**
 * Creates the new file `path` (never an existing one) holding `bytes`, written past the page cache (O_DIRECT) where
 * the file system and device allow it, else through it; the file is left open for the caller to chmod, fsync and
 * close (O_DIRECT alone promises nothing about durability: the fsync still does). Errors other than a refused
 * O_DIRECT (ENOENT for a missing folder, EEXIST, ENOSPC) come out unchanged.
 *
 * Why: a `.dir` listing is megabytes written once and never read back by this process. Through the page cache every
 * page of it is memory taken from the kernel's free lists, and on a virtual machine that hands freed memory back to
 * its host (virtio-balloon free page reporting: bench/results/page-cache-write.md) each such page faults into the
 * host on its first touch: writing 7.9 MB took 89–175 ms there (median 127), against 2 ms into pages freed a moment before;
 * past the page cache it took ~10 ms and its fsync under 1 ms (bench/results/dir-direct-write.md). A machine that
 * keeps its memory pays about the same either way.
 */
export async function createFileDirect(
  path: string,
  bytes: Buffer,
  mode: number,
  staging: StagingMemory = alignedStaging,
): Promise<FileHandle> {
  let file: FileHandle;
  try {
    file = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_DIRECT, mode);
  } catch (error) {
    if (!refused(error)) throw error;
    // This file system has no O_DIRECT. Linux checks that only once the file is created (open(2) creates it, then
    // refuses the flag), so the new file may be there now, ours: O_EXCL passed first, or the answer was EEXIST.
    return writtenThrough(await open(path, 'w', mode), bytes);
  }
  try {
    if (await writeDirect(file, bytes, staging)) return file;
    await file.close();
    return writtenThrough(await open(path, 'w', mode), bytes); // the device wants a larger alignment: write it again
  } catch (error) {
    await file.close().catch(() => {});
    throw error;
  }
}

/** False when the device refused the alignment (EINVAL); the file's content is then undefined. */
async function writeDirect(file: FileHandle, bytes: Buffer, staging: StagingMemory): Promise<boolean> {
  const chunk = staging.take();
  try {
    for (let offset = 0; offset < bytes.length;) {
      const length = Math.min(chunk.length, bytes.length - offset);
      bytes.copy(chunk, 0, offset, offset + length);
      const padded = Math.ceil(length / ALIGN) * ALIGN;
      chunk.fill(0, length, padded);
      for (let done = 0; done < padded;) {
        const written = (await file.write(chunk, done, padded - done, offset + done)).bytesWritten;
        // A short write past the page cache (a full disk) ends off the alignment: the rest goes through it.
        if (written % ALIGN !== 0) return false;
        done += written;
      }
      offset += length;
    }
  } catch (error) {
    if (refused(error)) return false;
    throw error;
  } finally {
    staging.give(chunk);
  }
  if (bytes.length % ALIGN !== 0) await file.truncate(bytes.length);
  return true;
}

async function writtenThrough(file: FileHandle, bytes: Buffer): Promise<FileHandle> {
  try {
    await writeAll(file, bytes);
    return file;
  } catch (error) {
    await file.close().catch(() => {});
    throw error;
  }
}

const refused = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === 'EINVAL';
