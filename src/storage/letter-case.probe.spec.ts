import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caseConflict, foldLetterCase, ignoresLetterCase, pathTaken } from './letter-case.probe.js';

// The probe's other answer (true) is checked on a real folder that ignores letter case, mounted with FUSE:
// test/reliability/caseless-data-dir.e2e-spec.ts.
describe('letter case of DATA_DIR', () => {
  it('finds that this folder tells letter case apart, and leaves nothing behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'letter-case-'));
    try {
      expect(await ignoresLetterCase(dir)).toBe(false);
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['Photo.json', 'photo.json', true],
    ['labels/IMG_1.JSON', 'labels/img_1.json', true],
    ['caf\u00e9', 'CAFE\u0301', true], // é precomposed, and E + combining acute: one name on APFS
    ['a.json', 'b.json', false],
    ['a/b', 'a-b', false],
  ])('folds %j and %j to one lock identity: %s', (a, b, same) => {
    expect(foldLetterCase(a) === foldLetterCase(b)).toBe(same);
  });

  describe('pathTaken (what such a folder shows for a key of another spelling)', () => {
    let root: string;
    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'path-taken-'));
      await mkdir(join(root, 'dir', 'sub'), { recursive: true });
      await writeFile(join(root, 'dir', 'file'), 'x');
    });
    afterAll(() => rm(root, { recursive: true, force: true }));

    it.each([
      ['dir/file', true], // a file is there
      ['dir/sub', true], // a folder of other keys is there
      ['dir/file/below', true], // a folder on the way is a file
      ['dir/file/below/deeper', true],
      ['dir/new', false],
      ['dir/sub/new', false],
      ['new/deeper/still', false],
    ])('%s: %s', async (relative, taken) => {
      expect(await pathTaken(root, join(root, relative))).toBe(taken);
    });
  });

  it('names the refused key and says what to do', () => {
    const error = caseConflict('labels/photo.json');
    expect(error.code).toBe('KeyCaseConflict');
    expect(error.message).toMatch(/"labels\/photo\.json".*letter case.*case-sensitive volume/s);
  });
});
