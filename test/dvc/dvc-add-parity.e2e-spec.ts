import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildDirObject } from '../support/dir-object.js';
import { writeDvcFile } from '../../src/dvc/dvc-file.writer.js';
import { addGitignoreEntry } from '../../src/dvc/gitignore.updater.js';
import { md5Hex } from '../../src/dvc/md5.util.js';
import { objectRelPath } from '../../src/dvc/object-path.util.js';
import { formatYamlString } from '../../src/dvc/yaml-scalar.format.js';
import { dvc, gitCli } from '../support/dvc-cli.js';
import { toolPaths } from '../support/tools.js';
import { removeTempRoots, tempRoot, trickyTree, writeTree } from './dvc-repo.harness.js';

/** What we write is what `dvc add` writes, byte for byte; where we deviate on purpose, DVC still loads it. */

async function dvcRepo(label: string): Promise<string> {
  const repo = tempRoot(label);
  await gitCli(repo, 'init', '--quiet');
  await dvc(repo, 'init', '--quiet');
  return repo;
}

async function commitAll(repo: string): Promise<void> {
  await gitCli(repo, 'add', '-A');
  await gitCli(repo, '-c', 'user.name=Test', '-c', 'user.email=test@localhost', 'commit', '--quiet', '-m', 'data');
}

afterAll(removeTempRoots);

describe('parity with dvc add', () => {
  it('writes the same .dir object, .dvc file and .gitignore for a directory of tricky names', async () => {
    const repo = await dvcRepo('add-dir');
    const tree = trickyTree();
    writeTree(join(repo, 'data', 'annotations'), tree);
    await dvc(repo, 'add', '--quiet', 'data/annotations');

    const dir = buildDirObject(
      Object.entries(tree).map(([relpath, bytes]) => ({ relpath, md5: md5Hex(bytes), size: bytes.length })),
    );
    expect(readFileSync(join(repo, '.dvc', 'cache', objectRelPath(dir.hash))).equals(dir.content)).toBe(true);
    expect(readFileSync(join(repo, 'data', 'annotations.dvc'), 'utf8')).toBe(
      writeDvcFile(undefined, 'annotations', { md5: dir.hash, size: dir.size, nfiles: dir.nfiles }),
    );
    expect(readFileSync(join(repo, 'data', '.gitignore'), 'utf8')).toBe(
      addGitignoreEntry(undefined, 'annotations', true),
    );
  });

  it('writes the same .dvc file as dvc add for a single file, including an all-digit md5', async () => {
    const repo = await dvcRepo('add-file');
    // An md5 made only of digits, or digits and one "e", reads as a number unless quoted: find content with such a hash.
    const contents = [
      Buffer.from('[{"id": 1}]\n'),
      findContent((md5) => /^[0-9]+$/.test(md5) || /^[0-9]+e[0-9]+$/.test(md5)),
    ];
    for (const [i, content] of contents.entries()) writeFileSync(join(repo, `file${i}.json`), content);
    await dvc(repo, 'add', '--quiet', 'file0.json', 'file1.json');
    for (const [i, content] of contents.entries()) {
      expect(readFileSync(join(repo, `file${i}.json.dvc`), 'utf8')).toBe(
        writeDvcFile(undefined, `file${i}.json`, { md5: md5Hex(content), size: content.length }),
      );
    }
    expect(readFileSync(join(repo, 'file1.json.dvc'), 'utf8')).toMatch(/^- md5: '[0-9e]{32}'$/m);
  });

  // File names that YAML or gitignore read as something else.
  const NAMES = [
    'true',
    'null',
    '~',
    '=',
    '<<',
    '0123',
    '1e5',
    '0b101',
    '0x1F',
    '1_000',
    '.inf',
    '2001-12-14',
    '- a',
    '-a',
    '? x',
    ':x',
    'x:',
    'x: y',
    'a #b',
    'a#b',
    '#a',
    '&a',
    '*a',
    '!a',
    '|a',
    '>a',
    '%a',
    '@a',
    '`a',
    "'a",
    '"a',
    "it's",
    ' lead',
    'tab\there',
    'ctl\u0001',
    'del\u007f',
    'nbsp\u00a0x',
    'bom\ufeffx',
    'données',
    '日本語',
    '\u{1F600}.json',
    '[a]',
    'a[0]',
    '{a}',
    'a,b',
    '---x',
    '...x',
    'back\\slash',
    'quote"in',
    'yes',
    'on',
    'a?b',
    'a*b',
  ];
  // Deliberate deviations: ruamel writes a NEL / LINE SEPARATOR as a folded single-quoted line break (we use "\N" "\L"),
  // and DVC leaves trailing spaces unescaped in .gitignore, where git then drops them (we escape them).
  const DEVIATING = ['nel\u0085x', 'ls\u2028x', 'trail '];

  it('writes the same .dvc file for names that YAML would misread; the same .gitignore lines', async () => {
    const repo = await dvcRepo('add-names');
    NAMES.forEach((name, i) => writeFileSync(join(repo, name), `content ${i}`));
    await dvc(repo, 'add', '--quiet', '--', ...NAMES);
    const mismatches = NAMES.filter(
      (name, i) =>
        readFileSync(join(repo, `${name}.dvc`), 'utf8') !==
        writeDvcFile(undefined, name, { md5: md5Hex(`content ${i}`), size: `content ${i}`.length }),
    );
    expect(mismatches).toEqual([]);
    const ours = NAMES.reduce<string>((text, name) => addGitignoreEntry(text, name, false), '');
    expect(readFileSync(join(repo, '.gitignore'), 'utf8').split('\n').sort()).toEqual(ours.split('\n').sort());
  });

  it('loads our .dvc files and .gitignore for those names and the deviating ones: nothing modified, nothing untracked', async () => {
    const repo = await dvcRepo('load-names');
    // Not 'tab\there': `dvc data status` reads a tracked name with a tab from git as 'tabhere' and reports a
    // rename even for the .dvc file dvc add wrote itself (a DVC/scmrepo bug; the bytes match above).
    const names = [...NAMES.filter((name) => !name.includes('\t')), ...DEVIATING];
    names.forEach((name, i) => writeFileSync(join(repo, name), `content ${i}`));
    await dvc(repo, 'add', '--quiet', '--', ...names); // fills the cache
    names.forEach((name, i) =>
      writeFileSync(
        join(repo, `${name}.dvc`),
        writeDvcFile(undefined, name, { md5: md5Hex(`content ${i}`), size: `content ${i}`.length }),
      ),
    );
    writeFileSync(
      join(repo, '.gitignore'),
      names.reduce<string>((text, name) => addGitignoreEntry(text, name, false), ''),
    );
    await commitAll(repo);
    expect(JSON.parse((await dvc(repo, 'data', 'status', '--json', '--untracked-files')).stdout)).toEqual({});
    expect((await gitCli(repo, 'status', '--porcelain', '--untracked-files=all')).stdout).toBe('');
    expect(JSON.parse((await dvc(repo, 'status', '--json')).stdout)).toEqual({});
  });

  it("formats every string as DVC's own YAML dumper does, and DVC's loader reads each back unchanged", () => {
    const values = [
      ...NAMES,
      ...DEVIATING,
      '',
      ' ',
      'new\nline',
      'cr\rx',
      'x\u0000y',
      '\u0007\u001b\u000b',
      '\uD83D\uDE00',
      'a'.repeat(40),
      'two  spaces',
      '12345678901234567890123456789012',
      '0e123456789012345678901234567890',
      'e1234567890123456789012345678901',
    ];
    const python = join(dirname(toolPaths().dvc), 'python');
    const script = [
      'import json, sys',
      'from dvc.utils.serialize._yaml import dumps_yaml, parse_yaml',
      'data = json.load(sys.stdin)',
      'dumped = [dumps_yaml({"path": v})[len("path: "):-1] for v in data["values"]]',
      'loaded = [parse_yaml(text, "x.dvc")["path"] for text in data["ours"]]',
      'json.dump({"dumped": dumped, "loaded": loaded}, sys.stdout)',
    ].join('\n');
    const ours = values.map((v) => `path: ${formatYamlString(v)}\n`);
    const result = JSON.parse(
      execFileSync(python, ['-c', script], { input: JSON.stringify({ values, ours }) }).toString(),
    ) as { dumped: string[]; loaded: string[] };
    expect(result.loaded).toEqual(values);
    const differing = values.filter((v, i) => result.dumped[i] !== formatYamlString(v));
    expect(differing).toEqual(['nel\u0085x', 'ls\u2028x']);
  });
});

function findContent(test: (md5: string) => boolean): Buffer {
  for (let i = 0; ; i++) {
    const content = Buffer.from(String(i));
    if (test(md5Hex(content))) return content;
  }
}
