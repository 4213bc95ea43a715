import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirsSync } from './make-dirs.js';

describe('makeDirsSync', () => {
  const root = mkdtempSync(join(tmpdir(), 'make-dirs-'));
  afterEach(() => rmSync(join(root, 'a'), { recursive: true, force: true }));

  it('makes every missing folder with the mode, and leaves an existing one as it is', () => {
    makeDirsSync(join(root, 'a', 'b', 'c'), 0o750);
    expect(statSync(join(root, 'a', 'b', 'c')).isDirectory()).toBe(true);
    expect(statSync(join(root, 'a')).mode & 0o777).toBe(0o750 & ~process.umask());
    expect(() => makeDirsSync(join(root, 'a', 'b'), 0o700)).not.toThrow();
  });

  it('throws where a folder cannot be made, instead of looping (procfs answers ENOENT under /proc)', () => {
    expect(() => makeDirsSync('/proc/dvc-sync-nope/data', 0o750)).toThrow(
      expect.objectContaining({ code: 'ENOENT', path: '/proc/dvc-sync-nope' }),
    );
  });
});
