import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alignedMemory, createFileDirect, type StagingMemory } from './direct-write.js';

/**
 * On the disk the repository is on, not the machine's /tmp (a tmpfs on some machines, whose files are page cache and
 * nothing else): test-output/ is git-ignored.
 */
const SCRATCH = join(process.cwd(), 'test-output');

/**
 * tmpfs and ramfs keep files in the page cache and nowhere else: there every byte of a file is resident, however it
 * was written (statfs(2) magic numbers).
 */
const MEMORY_ONLY = new Set([0x01021994, 0x858458f6]);

/** Bytes of `path` in the page cache (fincore, util-linux). */
const resident = (path: string): number =>
  Number(execFileSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', path], { encoding: 'utf8' }).trim());

/** Aligned memory as the module makes it, but handed out at `offset` bytes past the page boundary. */
function stagingAt(offset: number, size = 1 << 20): StagingMemory & { taken: number } {
  const chunk = alignedMemory(size + offset).subarray(offset, offset + size);
  const staging = {
    taken: 0,
    take: () => (staging.taken++, chunk),
    give: () => {},
  };
  return staging;
}

describe('createFileDirect', () => {
  let dir: string;
  beforeEach(() => {
    mkdirSync(SCRATCH, { recursive: true });
    dir = mkdtempSync(join(SCRATCH, 'direct-write-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** What the page cache may hold of a file of `size` bytes written past it: the truncated last block (4 KiB). */
  const cachedPastIt = (size: number) =>
    MEMORY_ONLY.has(statfsSync(dir).type) ? Math.ceil(size / 4096) * 4096 : size % 4096 === 0 ? 0 : 4096;

  /** The file's bytes read back, and how many of them were in the page cache before that read. */
  async function written(bytes: Buffer, staging?: StagingMemory): Promise<{ back: Buffer; cached: number }> {
    const path = join(dir, 'out');
    const file = await createFileDirect(path, bytes, 0o644, staging);
    await file.sync();
    await file.close();
    const cached = resident(path);
    return { back: readFileSync(path), cached };
  }

  // Sizes around the alignment and the staging chunk (1 MiB in the table's staging): exact multiples, a tail to pad,
  // several chunks, less than one block.
  it.each([
    ['one 4 KiB block', 4096],
    ['a tail under one block', 100],
    ['blocks and a tail', 3 * 4096 + 17],
    ['exactly one chunk', 1 << 20],
    ['three chunks and a tail', 3 * (1 << 20) + 4095],
  ])('writes %s exactly, past the page cache, the file cut to its size', async (_case, size) => {
    const bytes = randomBytes(size);
    const staging = stagingAt(0);
    const { back, cached } = await written(bytes, staging);
    expect(back.length).toBe(size);
    expect(back.equals(bytes)).toBe(true);
    expect(staging.taken).toBe(1);
    // Nothing of it went through the page cache, but the block the truncate to an unaligned size zeroes the end of.
    expect(cached).toBeLessThanOrEqual(cachedPastIt(size));
  });

  it('writes through the page cache when the device refuses the alignment (EINVAL), with the same bytes', async () => {
    const bytes = randomBytes(2 * (1 << 20) + 300);
    const { back, cached } = await written(bytes, stagingAt(1)); // one byte off: O_DIRECT refuses it
    expect(back.equals(bytes)).toBe(true);
    expect(cached).toBe(Math.ceil(bytes.length / 4096) * 4096);
  });

  it('with its own aligned memory too (the default), writing twice in a row', async () => {
    for (const size of [5 * (1 << 20) + 1, 4096 * 3]) {
      const bytes = randomBytes(size);
      const { back, cached } = await written(bytes);
      expect(back.equals(bytes)).toBe(true);
      expect(cached).toBeLessThanOrEqual(cachedPastIt(size));
      rmSync(join(dir, 'out'));
    }
  });

  it('never replaces an existing file (EEXIST, left as it was) and gives the mode asked', async () => {
    const path = join(dir, 'taken');
    writeFileSync(path, 'before');
    await expect(createFileDirect(path, randomBytes(8192), 0o644)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(path, 'utf8')).toBe('before');

    const fresh = join(dir, 'fresh');
    const file = await createFileDirect(fresh, randomBytes(8192), 0o600);
    await file.close();
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
  });

  it('fails with ENOENT when the folder is missing (the caller creates it and retries)', async () => {
    await expect(createFileDirect(join(dir, 'no', 'such'), randomBytes(4096), 0o644)).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
