import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { durableFs } from './durable-fs.adapter.js';

describe('durableFs.promises.writeFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'durable-fs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces a file whole and leaves no temporary file behind', async () => {
    writeFileSync(join(dir, 'HEAD'), 'old content that is longer\n');
    await durableFs.promises.writeFile(join(dir, 'HEAD'), 'ref: refs/heads/main\n', 'utf8');
    expect(readFileSync(join(dir, 'HEAD'), 'utf8')).toBe('ref: refs/heads/main\n');
    expect(readdirSync(dir)).toEqual(['HEAD']);
  });

  it('writes bytes with the requested mode', async () => {
    await durableFs.promises.writeFile(join(dir, 'obj'), Uint8Array.from([0, 1, 2]), { mode: 0o444 });
    expect([...readFileSync(join(dir, 'obj'))]).toEqual([0, 1, 2]);
    expect(statSync(join(dir, 'obj')).mode & 0o777).toBe(0o444);
  });

  it('fails with ENOENT in a missing folder (isomorphic-git then creates it and retries)', async () => {
    await expect(durableFs.promises.writeFile(join(dir, 'objects', 'ab', 'cd'), 'x')).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect(readdirSync(dir)).toEqual([]);
  });
});
