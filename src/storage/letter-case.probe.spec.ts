import { describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caseConflict, foldLetterCase, ignoresLetterCase } from './letter-case.probe.js';

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

  it('names the refused key and says what to do', () => {
    const error = caseConflict('labels/photo.json');
    expect(error.code).toBe('KeyCaseConflict');
    expect(error.message).toMatch(/"labels\/photo\.json".*letter case.*case-sensitive volume/s);
  });
});
