import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** DVC 3 hashes the raw bytes with plain MD5 (docs/dvc-format.md "Hashing"); no CRLF normalisation as in DVC 2. */
export function md5Hex(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex');
}

/**
 * Bytes hashed between two turns of the event loop by `md5HexYielding`: ~0.1 ms of MD5 on the 2-core VM of bench/.
 * Small, because each file-system call of the uploads that run meanwhile (`uploadAhead`) waits for the next turn:
 * with 256 KiB (~0.4 ms) an incremental flush at 100,000 files took 17 ms for the 100 links it makes, 4–5 ms at
 * 1,000 files. A turn costs a few µs, ~100 of them for the 6.6-MB `.dir` of 100,000 files.
 */
const BYTES_PER_TURN = 64 * 1024;

/**
 * The same, a slice per turn of the event loop: a `.dir` of 100,000 files is 6.6 MB, ~10 ms of MD5 in one block,
 * which would hold up every PUT that arrives meanwhile (invariant 7).
 */
export async function md5HexYielding(data: Buffer): Promise<string> {
  const hash = createHash('md5');
  for (let at = 0; at < data.length; at += BYTES_PER_TURN) {
    if (at > 0) await nextTurn();
    hash.update(data.subarray(at, at + BYTES_PER_TURN));
  }
  return hash.digest('hex');
}

const MD5_HEX = /^[0-9a-f]{32}$/;

/** A DVC object id: 32 lowercase hex digits, with `.dir` for a directory listing. */
export function isObjectId(id: string): boolean {
  return MD5_HEX.test(id.endsWith('.dir') ? id.slice(0, -4) : id);
}

/** S3's Content-MD5 header (base64 of the digest) for an object whose id is its md5: S3 then refuses altered bytes. */
export function contentMd5Base64(id: string): string {
  return Buffer.from(id.endsWith('.dir') ? id.slice(0, -4) : id, 'hex').toString('base64');
}
