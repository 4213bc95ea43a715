import { describe, expect, it } from '@jest/globals';
import { findOut, readDvcFile } from './dvc-file.reader.js';
import { writeDvcFile } from './dvc-file.writer.js';
import { DvcFormatError } from './dvc-format.error.js';

const DIR = { md5: 'abbbda1220ff3fd9ae205e7b74ff140d.dir', size: 34, nfiles: 2 };
const FILE = { md5: '1f7158efe575281d65231791a6d4a244', size: 17 };

describe('writeDvcFile: a new .dvc file, exactly as `dvc add` writes it', () => {
  it.each([
    [
      'directory (docs/dvc-format.md)',
      'annotations',
      DIR,
      'outs:\n- md5: abbbda1220ff3fd9ae205e7b74ff140d.dir\n  size: 34\n  nfiles: 2\n  hash: md5\n  path: annotations\n',
    ],
    // The string DVC's own test suite expects after `dvc add data`.
    [
      'DVC test vector',
      'data',
      { md5: '5ea40360f5b4ec688df672a4db9c17d1.dir', size: 6, nfiles: 2 },
      'outs:\n- md5: 5ea40360f5b4ec688df672a4db9c17d1.dir\n  size: 6\n  nfiles: 2\n  hash: md5\n  path: data\n',
    ],
    [
      'single file',
      'annotations.json',
      FILE,
      'outs:\n- md5: 1f7158efe575281d65231791a6d4a244\n  size: 17\n  hash: md5\n  path: annotations.json\n',
    ],
    [
      'all-digit md5 is quoted',
      'a.json',
      { md5: '12345678901234567890123456789012', size: 1 },
      "outs:\n- md5: '12345678901234567890123456789012'\n  size: 1\n  hash: md5\n  path: a.json\n",
    ],
    [
      'digits+e md5 is quoted',
      'a.json',
      { md5: '0e123456789012345678901234567890', size: 1 },
      "outs:\n- md5: '0e123456789012345678901234567890'\n  size: 1\n  hash: md5\n  path: a.json\n",
    ],
    ['path that reads as a bool', 'true', FILE, `outs:\n- md5: ${FILE.md5}\n  size: 17\n  hash: md5\n  path: 'true'\n`],
    [
      'path with a quote and a colon-space',
      "it's: x",
      FILE,
      `outs:\n- md5: ${FILE.md5}\n  size: 17\n  hash: md5\n  path: "it's: x"\n`,
    ],
    [
      'empty existing file',
      'annotations',
      DIR,
      'outs:\n- md5: abbbda1220ff3fd9ae205e7b74ff140d.dir\n  size: 34\n  nfiles: 2\n  hash: md5\n  path: annotations\n',
    ],
  ])('%s', (name, path, hash, expected) => {
    expect(writeDvcFile(name === 'empty existing file' ? ' \n' : undefined, path, hash)).toBe(expected);
  });

  it('refuses nfiles on a file md5 and a .dir md5 without nfiles', () => {
    expect(() => writeDvcFile(undefined, 'a', { md5: FILE.md5, size: 1, nfiles: 1 })).toThrow(DvcFormatError);
    expect(() => writeDvcFile(undefined, 'a', { md5: DIR.md5, size: 1 })).toThrow(DvcFormatError);
  });
});

const USER_EDITED = `# Annotations exported by Label Studio
outs:
    # the dataset
  - md5: 0123456789abcdef0123456789abcdef.dir   # updated by the sync
    size: 10
    nfiles: 1
    hash: md5
    path: annotations
    desc: |
      Reviewed annotations,
      one JSON per task
    remote: backup
    meta: {owner: alice, since: 2001-12-14, n: 017}
  - path: labels.csv
    md5: '12345678901234567890123456789012'
    size: 3
    hash: md5
frozen: true
meta:
  project: cats
`;

describe('writeDvcFile: updating an existing .dvc file', () => {
  it('changes only the md5/size/nfiles values, keeping comments, quoting, indentation and user keys', () => {
    const expected = USER_EDITED.replace('0123456789abcdef0123456789abcdef.dir', DIR.md5)
      .replace('size: 10', 'size: 34')
      .replace('nfiles: 1', 'nfiles: 2');
    expect(writeDvcFile(USER_EDITED, 'annotations', DIR)).toBe(expected);
  });

  it('leaves the text identical when nothing changed', () => {
    const once = writeDvcFile(USER_EDITED, 'annotations', DIR);
    expect(writeDvcFile(once, 'annotations', DIR)).toBe(once);
  });

  it.each([
    [
      'a DVC 2 output gets hash: md5 before path',
      `outs:\n- md5: ${FILE.md5}\n  size: 3\n  path: a.json\n`,
      'a.json',
      FILE,
      `outs:\n- md5: ${FILE.md5}\n  size: 17\n  hash: md5\n  path: a.json\n`,
    ],
    [
      'directory → file drops nfiles',
      `outs:\n- md5: ${DIR.md5}\n  size: 34\n  nfiles: 2\n  hash: md5\n  path: a\n`,
      'a',
      FILE,
      `outs:\n- md5: ${FILE.md5}\n  size: 17\n  hash: md5\n  path: a\n`,
    ],
    [
      'file → directory adds nfiles after size',
      `outs:\n- md5: ${FILE.md5}\n  size: 17\n  hash: md5\n  path: a\n`,
      'a',
      DIR,
      `outs:\n- md5: ${DIR.md5}\n  size: 34\n  nfiles: 2\n  hash: md5\n  path: a\n`,
    ],
    [
      'md5 first missing, path first in the item',
      `outs:\n- path: a\n  desc: x\n`,
      'a',
      FILE,
      `outs:\n- md5: ${FILE.md5}\n  size: 17\n  hash: md5\n  path: a\n  desc: x\n`,
    ],
    [
      'a quoted md5 becomes plain, a numeric one quoted',
      `outs:\n- md5: '12345678901234567890123456789012'\n  size: 1\n  hash: md5\n  path: a\n`,
      'a',
      FILE,
      `outs:\n- md5: ${FILE.md5}\n  size: 17\n  hash: md5\n  path: a\n`,
    ],
    [
      './path names the same output',
      `outs:\n- md5: ${FILE.md5}\n  size: 1\n  hash: md5\n  path: ./a.json\n`,
      'a.json',
      { md5: '12345678901234567890123456789012', size: 2 },
      `outs:\n- md5: '12345678901234567890123456789012'\n  size: 2\n  hash: md5\n  path: ./a.json\n`,
    ],
  ])('%s', (_name, before, path, hash, expected) => {
    expect(writeDvcFile(before, path, hash)).toBe(expected);
  });

  it('rewrites a flow-style output structurally, keeping its other keys', () => {
    const text = writeDvcFile('outs: [{md5: x, path: a, desc: d}]\nfrozen: true\n', 'a', DIR);
    expect(readDvcFile(text)).toEqual([{ path: 'a', hash: 'md5', ...DIR }]);
    expect(text).toContain('desc: d');
    expect(text).toContain('frozen: true');
  });

  it('rewrites structurally when nfiles to drop is the last key, and when a value is empty', () => {
    expect(readDvcFile(writeDvcFile('outs:\n- path: a\n  md5: x\n  nfiles: 3\n', 'a', FILE))).toEqual([
      { path: 'a', hash: 'md5', ...FILE },
    ]);
    expect(writeDvcFile('outs:\n- md5:\n  size: 1\n  path: a\n', 'a', FILE)).toBe(
      `outs:\n- md5: ${FILE.md5}\n  size: 17\n  path: a\n  hash: md5\n`,
    );
  });

  it('appends the output when the file has none for this path, keeping the others', () => {
    const text = writeDvcFile('# c\nouts:\n- md5: x\n  path: other\n', 'true', FILE);
    expect(readDvcFile(text)).toEqual([
      { path: 'other', md5: 'x' },
      { path: 'true', hash: 'md5', ...FILE },
    ]);
    expect(text).toContain("path: 'true'");
    expect(text).toContain('# c');
  });

  it('adds outs to a file that only has other keys', () => {
    expect(readDvcFile(writeDvcFile('desc: hello\n', 'a', FILE))).toEqual([{ path: 'a', hash: 'md5', ...FILE }]);
  });

  it.each([
    ['outs: [a', /not valid YAML/],
    ['- a\n- b\n', /not a YAML mapping/],
    ['outs: 3\n', /not a list of mappings/],
    ['outs:\n- md5: x\n', /no 'path'/],
    ['a: 1\na: 2\n', /not valid YAML/],
  ])('refuses %j', (text, message) => {
    expect(() => writeDvcFile(text, 'a', FILE)).toThrow(message);
  });
});

describe('readDvcFile / findOut', () => {
  it('reads every output with its remote, as strings and counts', () => {
    const outs = readDvcFile(USER_EDITED);
    expect(outs).toEqual([
      {
        path: 'annotations',
        md5: '0123456789abcdef0123456789abcdef.dir',
        size: 10,
        nfiles: 1,
        hash: 'md5',
        remote: 'backup',
      },
      { path: 'labels.csv', md5: '12345678901234567890123456789012', size: 3, hash: 'md5' },
    ]);
    expect(findOut(outs, './labels.csv')?.size).toBe(3);
    expect(findOut(outs, 'annotations/')?.remote).toBe('backup');
    expect(findOut(outs, 'missing')).toBeUndefined();
  });

  it('reads an empty file as no outputs and refuses a bad size', () => {
    expect(readDvcFile('')).toEqual([]);
    expect(() => readDvcFile('outs:\n- path: a\n  size: 1.5\n')).toThrow(/not a count/);
  });
});
