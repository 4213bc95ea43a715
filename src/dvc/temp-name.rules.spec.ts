import { describe, expect, it } from '@jest/globals';
import { basename } from 'node:path';
import { md5Hex } from './md5.util.js';
import { objectRelPath } from './object-path.util.js';
import { isOrphanTemp, ORPHAN_AGE_MS, sweepDue, tempPathFor } from './temp-name.rules.js';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const file = md5Hex('an object');
const dir = `${md5Hex('[]')}.dir`;
const ours = (id: string) => basename(tempPathFor(`/remote/${objectRelPath(id)}`));

describe('temp names of the remotes that write files', () => {
  it('gives each write its own name beside the object', () => {
    const path = `/remote/${objectRelPath(file)}`;
    expect(tempPathFor(path)).not.toBe(tempPathFor(path));
    expect(tempPathFor(path).startsWith(`${path}.`)).toBe(true);
    expect(tempPathFor(path).endsWith('.tmp')).toBe(true);
  });

  it.each([
    ['a file object of ours, a day old', true, ours(file), NOW - ORPHAN_AGE_MS],
    ['a .dir of ours, two days old', true, ours(dir), NOW - 2 * ORPHAN_AGE_MS],
    [
      'ours, a minute short of a day: maybe a push in flight elsewhere',
      false,
      ours(file),
      NOW - ORPHAN_AGE_MS + 60_000,
    ],
    ["ours, written after the sweep's clock was read", false, ours(file), NOW + 1000],
    ["DVC's own temp name (token_urlsafe(16)), old", false, `${file.slice(2)}.Zm9vYmFyYmF6cXV4cXV1eA.tmp`, 0],
    ['an object itself, old', false, file.slice(2), 0],
    ['a .dir object itself, old', false, dir.slice(2), 0],
    ['a name a person chose, old', false, 'notes.tmp', 0],
    [
      'our form over a name that is not 30 hex digits',
      false,
      `${file.slice(3)}.${'0'.repeat(8)}-0000-0000-0000-${'0'.repeat(12)}.tmp`,
      0,
    ],
    ['our form with a suffix after .tmp', false, `${ours(file)}.bak`, 0],
  ])('%s: orphan = %s', (_what, orphan, name, mtime) => {
    expect(isOrphanTemp(name, mtime, NOW)).toBe(orphan);
  });

  it.each([
    ['never swept', true, undefined],
    ['swept a minute ago', false, NOW - 60_000],
    ['swept a day ago', true, NOW - ORPHAN_AGE_MS],
  ])('a sweep is due when %s: %s', (_what, due, last) => {
    expect(sweepDue(last, NOW)).toBe(due);
  });
});
