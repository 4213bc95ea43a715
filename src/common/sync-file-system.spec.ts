import { describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fsyncFile, syncFileSystem } from './sync-file-system.js';

describe('syncFileSystem', () => {
  it('runs one syncfs(2) of the file system holding a path (through koffi, whose prebuilt binary this platform has)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'syncfs-'));
    try {
      await writeFile(join(dir, 'a'), 'a');
      await expect(syncFileSystem(join(dir, 'a'))).resolves.toBe(true);
      await expect(fsyncFile(join(dir, 'a'))).resolves.toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails, saying which path, when the sync cannot be done', async () => {
    await expect(syncFileSystem('/nonexistent/syncfs-probe')).rejects.toThrow(
      /syncfs of \/nonexistent\/syncfs-probe failed/,
    );
  });
});
