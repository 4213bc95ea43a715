import { describe, expect, it } from '@jest/globals';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  DirListing,
  isIgnoredByDvc,
  parseDirObject,
  type DirChange,
  type DirFile,
  type DirObject,
} from './dir-object.codec.js';
import { buildDirObject } from '../../test/support/dir-object.js';
import { DvcFormatError } from './dvc-format.error.js';
import { md5Hex } from './md5.util.js';

/** path = content, as in DVC's own tests */
const tree = (files: Record<string, string>): DirFile[] =>
  Object.entries(files).map(([relpath, content]) => ({
    relpath,
    md5: md5Hex(content),
    size: Buffer.byteLength(content),
  }));
const named = (...names: string[]) => tree(Object.fromEntries(names.map((n) => [n, n])));

describe('DirListing.of(files).toDirObject(): the .dir DVC 3 writes', () => {
  // docs/dvc-format.md test vectors (hashes from DVC's own test suite).
  it.each([
    ['foo, bar', tree({ foo: 'foo', bar: 'bar' }), '5ea40360f5b4ec688df672a4db9c17d1.dir', 6, 2],
    ['master, one, two', named('master', 'one', 'two'), '839ef9371606817569c1ee0e5f4ed233.dir', 12, 3],
    ['foo, bar, foobar', named('foo', 'bar', 'foobar'), 'a5beca056acbef9e0013347efdc2b751.dir', 12, 3],
    [
      '+ subdir/file',
      [...named('foo', 'bar', 'foobar'), ...tree({ 'subdir/file': 'file' })],
      'de78e9fff7c3478c6b316bf08437d0f6.dir',
      16,
      4,
    ],
    ['one, two', named('one', 'two'), '6b18131dc289fd37006705affe961ef8.dir', 6, 2],
    ['empty tree', [], 'd751713988987e9331980363e24189ce.dir', 0, 0],
    [
      'worked example',
      tree({ 'img1.json': '{"label": "cat"}\n', 'sub/img2.json': '{"label": "dog"}\n' }),
      'abbbda1220ff3fd9ae205e7b74ff140d.dir',
      34,
      2,
    ],
    // The ids below were printed by CPython: json.dumps(sorted(entries, key=relpath), sort_keys=True).
    [
      'sort trap a-b < a.b < a/b < a0',
      tree({ a0: 'x', 'a/b': 'x', 'a.b': 'x', 'a-b': 'x' }),
      '821b4c132269a4f652167e4744ed186b.dir',
      4,
      4,
    ],
    [
      'astral after U+FFFD',
      tree({ '\u{1F600}.json': 's', '\uFFFD.json': 'r', '\uE000.json': 'p' }),
      'f7c61589cb1480f6d39334b896e11aae.dir',
      3,
      3,
    ],
    [
      'quotes, backslash, controls, DEL',
      tree({ 'quote"back\\slash': 'q', 'ctl\u0001\u001f\u007f': 'c', 'tab\tnl\ncr\r\b\f': 't' }),
      'b63a219aed0c088813c04955167531cf.dir',
      3,
      3,
    ],
    [
      'accents and CJK',
      tree({ 'données/été.json': 'é', '日本/猫.json': 'neko' }),
      '4f2bcbeb8148ca686730b7d03c2caac7.dir',
      6,
      2,
    ],
  ])('%s → %s', (_name, files, hash, size, nfiles) => {
    const dir = buildDirObject(files);
    expect(dir).toMatchObject({ hash, size, nfiles });
    expect(`${md5Hex(dir.content)}.dir`).toBe(hash);
  });

  it('writes exactly the bytes of the worked example (142 bytes, no trailing newline)', () => {
    const dir = buildDirObject(tree({ 'sub/img2.json': '{"label": "dog"}\n', 'img1.json': '{"label": "cat"}\n' }));
    expect(dir.content.toString('latin1')).toBe(
      '[{"md5": "1f7158efe575281d65231791a6d4a244", "relpath": "img1.json"}, {"md5": "f2c68f1048c005c15a3dfe9c1de2851d", "relpath": "sub/img2.json"}]',
    );
    expect(dir.content.length).toBe(142);
  });

  it('escapes non-ASCII as lowercase \\u, astral as a surrogate pair', () => {
    const text = buildDirObject(tree({ 'é\u{1F600}': '' })).content.toString('latin1');
    expect(text).toContain('"relpath": "\\u00e9\\ud83d\\ude00"');
  });

  it('does not depend on the input order', () => {
    const files = named('b', 'a/c', 'a-c', '\u{1F600}', 'z');
    expect(buildDirObject([...files].reverse()).hash).toBe(buildDirObject(files).hash);
  });

  it.each([
    ['', 'empty path'],
    ['/abs', 'absolute'],
    ['a//b', 'empty segment'],
    ['a/../b', 'dot-dot'],
    ['./a', 'dot'],
    ['a/', 'trailing slash'],
    ['.git/config', '.git folder'],
    ['x/.git', '.git file'],
    ['x/.dvc/config', '.dvc folder'],
    ['.hg/store', '.hg folder'],
    ['sub/.dvcignore', '.dvcignore'],
  ])('refuses %j (%s)', (relpath) => {
    expect(() => buildDirObject([{ relpath, md5: md5Hex(''), size: 0 }])).toThrow(DvcFormatError);
  });

  it('refuses a duplicate path and a bad md5', () => {
    expect(() => buildDirObject([...named('a'), ...named('a')])).toThrow(/listed twice/);
    expect(() => buildDirObject([{ relpath: 'a', md5: 'ABC', size: 1 }])).toThrow(/md5/);
  });

  it('built a slice per turn of the event loop, gives the same bytes, and lets timers run in between', async () => {
    // Many entries in reverse order: the sort and several slices of encoding.
    const files = Array.from({ length: 12_000 }, (_, i) => ({
      relpath: `t/${String(12_000 - i).padStart(5, '0')}-é.json`,
      md5: md5Hex(String(i)),
      size: i,
    }));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      const yielding = await (await DirListing.ofYielding(files)).toDirObjectYielding();
      expect(yielding).toEqual(buildDirObject(files));
      expect(ticks).toBeGreaterThan(0);
    } finally {
      clearInterval(timer);
    }
    await expect(DirListing.ofYielding([...named('a'), ...named('a')])).rejects.toThrow(/listed twice/);
  });
});

describe('DirListing.withChanges', () => {
  const file = (relpath: string, content: string): DirFile => ({
    relpath,
    md5: md5Hex(content),
    size: Buffer.byteLength(content),
  });
  const start = [file('a', 'a'), file('b/c', 'bc'), file('b-d', 'bd'), file('\u{1F600}', 'smile'), file('z', 'z')];
  /** What the changes make of `start`, listed in full (the reference the incremental listing must equal). */
  const applied = (files: DirFile[], changes: DirChange[]) => {
    const byPath = new Map(files.map((f) => [f.relpath, f]));
    for (const change of changes) {
      if ('deleted' in change) byPath.delete(change.relpath);
      else byPath.set(change.relpath, change);
    }
    return [...byPath.values()];
  };
  /** Same bytes (and so the same id), size and count (Buffer.equals: jest's toEqual walks a Buffer byte by byte). */
  const expectSame = (actual: DirObject, expected: DirObject) => {
    expect({ ...actual, content: undefined }).toEqual({ ...expected, content: undefined });
    expect(actual.content.equals(expected.content)).toBe(true);
  };

  it.each<[string, DirChange[]]>([
    ['no change', []],
    ['replace one', [file('b/c', 'new')]],
    ['add before the first', [file('0', '0')]],
    ['add after the last', [file('zz', 'zz')]],
    ['add between, in code-point order', [file('b.c', 'x'), file('\uFFFD', 'r')]],
    [
      'delete the first and the last',
      [
        { relpath: 'a', deleted: true },
        { relpath: 'z', deleted: true },
      ],
    ],
    ['delete one that is not there', [{ relpath: 'nope', deleted: true }]],
    ['put then delete (the later wins)', [file('new', 'n'), { relpath: 'new', deleted: true }]],
    ['delete then put again', [{ relpath: 'a', deleted: true }, file('a', 'again')]],
    ['delete everything', start.map((f) => ({ relpath: f.relpath, deleted: true as const }))],
    ['unsorted mix', [file('y', 'y'), { relpath: 'b-d', deleted: true }, file('a', 'A'), file('b/b', 'bb')]],
  ])('%s: the same bytes, size and count as a listing built from every file', async (_name, changes) => {
    const changed = await DirListing.of(start).withChangesYielding(changes);
    expectSame(changed.toDirObject(), buildDirObject(applied(start, changes)));
  });

  it('leaves the listing it started from as it was', async () => {
    const listing = DirListing.of(start);
    await listing.withChangesYielding([file('a', 'changed'), { relpath: 'z', deleted: true }]);
    expectSame(listing.toDirObject(), buildDirObject(start));
  });

  // 6,000 entries of ~90 bytes: ranges longer than one slice of the copy, and many pauses.
  const many = Array.from({ length: 6000 }, (_, i) => file(`objects/${String(i).padStart(6, '0')}.json`, `${i}`));
  it.each<[string, DirChange[]]>([
    ['one change in the middle (two ranges of several slices)', [file('objects/003000.json', 'x')]],
    ['a change at each end', [file('objects/000000.json', 'x'), { relpath: 'objects/005999.json', deleted: true }]],
    ['a change at a slice boundary', [file('objects/001024.json', 'x'), file('objects/001023.5', 'new')]],
    ['no change', []],
  ])('a listing of many slices, %s: the same bytes as a full build', async (_name, changes) => {
    const changed = await DirListing.of(many).withChangesYielding(changes);
    expectSame(changed.toDirObject(), buildDirObject(applied(many, changes)));
  });

  it('lets the event loop serve others while it copies a big listing (a PUT during a flush)', async () => {
    const listing = DirListing.of(many);
    const turns: string[] = [];
    const changing = listing.withChangesYielding([file('objects/000001.json', 'x')]).then(() => turns.push('changed'));
    const other = nextTurn().then(() => turns.push('other'));
    await Promise.all([changing, other]);
    expect(turns).toEqual(['other', 'changed']);
  });

  it('agrees with a full build over many random flushes', async () => {
    let seed = 7;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    let files = Array.from({ length: 300 }, (_, i) => file(`d${random(5)}/${i}.json`, String(i)));
    let listing = DirListing.of(files);
    for (let flush = 0; flush < 40; flush++) {
      const changes: DirChange[] = Array.from({ length: 1 + random(12) }, () => {
        const relpath = `d${random(6)}/${random(400)}.json`;
        return random(3) === 0 ? { relpath, deleted: true } : file(relpath, `${flush}-${random(1000)}`);
      });
      listing = await listing.withChangesYielding(changes);
      files = applied(files, changes);
      expectSame(listing.toDirObject(), buildDirObject(files));
    }
  });

  it('gives the same id when hashed a slice per turn of the event loop (a listing of many slices)', async () => {
    const dir = await DirListing.of(many).toDirObjectYielding();
    expect(dir.content.length).toBeGreaterThan(256 * 1024);
    expectSame(dir, buildDirObject(many));
  });

  it('checks every entry it adds as a full build does', async () => {
    const listing = DirListing.of(start);
    await expect(listing.withChangesYielding([file('x/.git/config', '')])).rejects.toThrow(DvcFormatError);
    await expect(listing.withChangesYielding([{ relpath: 'a', md5: 'ABC', size: 1 }])).rejects.toThrow(/md5/);
  });
});

describe('isIgnoredByDvc', () => {
  it.each([
    ['a.json', false],
    ['.dvc', false], // a file named .dvc is data; only the folder is DVC's
    ['.hg', false],
    ['.gitignore', false],
    ['x/.dvc/y', true],
    ['.git', true],
    ['a/.dvcignore', true],
  ])('%j → %s', (relpath, ignored) => expect(isIgnoredByDvc(relpath)).toBe(ignored));
});

describe('parseDirObject', () => {
  it('reads back what buildDirObject wrote, unicode included', () => {
    const files = tree({ 'été/"q".json': 'a', '\u{1F600}': 'b' });
    const dir = buildDirObject(files);
    expect(parseDirObject(dir.content, dir.hash)).toEqual(
      [...files]
        .sort((a, b) => Buffer.compare(Buffer.from(a.relpath), Buffer.from(b.relpath)))
        .map(({ relpath, md5 }) => ({ relpath, md5 })),
    );
  });

  it('accepts entries with extra keys, as DVC 2 wrote with meta', () => {
    const text = '[{"md5": "acbd18db4cc2f85cedef654fccc4a4d8", "relpath": "foo", "size": 3}]';
    expect(parseDirObject(text)).toEqual([{ relpath: 'foo', md5: 'acbd18db4cc2f85cedef654fccc4a4d8' }]);
  });

  it.each([
    ['{}', /not a JSON list/],
    ['[', /not JSON/],
    ['[{"relpath": "a"}]', /invalid entry/],
    ['[{"relpath": "a", "md5": "zz"}]', /invalid entry/],
  ])('refuses %s', (text, message) => expect(() => parseDirObject(text)).toThrow(message));

  it('refuses bytes that do not match the object id (DVC would delete such a .dir)', () => {
    expect(() => parseDirObject('[]', '5ea40360f5b4ec688df672a4db9c17d1.dir')).toThrow(/does not match/);
    expect(parseDirObject('[]', 'd751713988987e9331980363e24189ce.dir')).toEqual([]);
  });
});
