import { createReadStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { dvcOutputPaths } from '../../src/dvc/dataset-paths.util.js';
import { buildDirObject } from '../support/dir-object.js';
import type { DvcRemote } from '../../src/dvc/dvc.remote.js';
import { writeDvcFile, type DvcOutHash } from '../../src/dvc/dvc-file.writer.js';
import { addGitignoreEntry } from '../../src/dvc/gitignore.updater.js';
import { md5Hex } from '../../src/dvc/md5.util.js';
import { pushDataset, type PushResult } from '../../src/dvc/dataset.pusher.js';
import { dvc, gitCli } from '../support/dvc-cli.js';

/** A dataset: a folder (relpath → bytes) or one file. */
export type DatasetContent = Record<string, string | Buffer> | Buffer;

export interface PublishInput {
  /** Work folder of the repository (created); the clone goes next to it. */
  root: string;
  datasetPath: string;
  content: DatasetContent;
  remote: DvcRemote;
  /** `.dvc/config` as committed. */
  dvcConfig: string;
  /** A `.dvc` file already on the branch (e.g. edited by a user), updated instead of created. */
  existingDvcFile?: string;
  existingGitignore?: string;
}

export interface Published {
  repo: string;
  dvcFileText: string;
  gitignoreText: string;
  push: PushResult;
}

/**
 * What the service does, with our code only: hash the dataset (streamed from disk), push the objects with
 * our remote, write the `.dvc` and `.gitignore`; then plain git commits them with a `dvc init`-like
 * skeleton (`.dvc/config`, `.dvc/.gitignore`, `.dvcignore`). No dvc command is involved.
 */
export async function publishDataset(input: PublishInput): Promise<Published> {
  const source = join(input.root, 'service-storage');
  const isDir = !Buffer.isBuffer(input.content);
  const paths = writeTree(
    source,
    isDir
      ? (input.content as Record<string, string | Buffer>)
      : { [dvcOutputPaths(input.datasetPath).outPath]: input.content as Buffer },
  );
  const files = await Promise.all(
    paths.map(async (relpath) => ({
      relpath,
      ...hashed(readFileSync(join(source, relpath))),
      source: () => createReadStream(join(source, relpath)),
    })),
  );
  let hash: DvcOutHash;
  let push: PushResult;
  const toPush = files.map((f) => ({ hash: f.md5, size: f.size, source: f.source }));
  if (isDir) {
    // Hashed here by buildDirObject, as the service's layout hashes the listing it pushes: a remote may write it
    // without hashing it again (a local one, from 1 MiB on, past the page cache).
    const dir = buildDirObject(files);
    push = await pushDataset(input.remote, {
      files: toPush,
      dirObject: { hash: dir.hash, content: dir.content, hashed: true },
    });
    hash = { md5: dir.hash, size: dir.size, nfiles: dir.nfiles };
  } else {
    push = await pushDataset(input.remote, { files: toPush });
    hash = { md5: files[0].md5, size: files[0].size };
  }
  const out = dvcOutputPaths(input.datasetPath);
  const dvcFileText = writeDvcFile(input.existingDvcFile, out.outPath, hash);
  const gitignoreText = addGitignoreEntry(input.existingGitignore, out.outPath, isDir);
  const repo = join(input.root, 'author');
  writeTree(repo, {
    '.dvc/config': input.dvcConfig,
    '.dvc/.gitignore': '/config.local\n/tmp\n/cache\n',
    '.dvcignore': '# Add patterns of files dvc should ignore\n',
    [out.dvcFile]: dvcFileText,
    [out.gitignoreFile]: gitignoreText,
    'README.md': '# team dataset\n',
  });
  await gitCli(repo, 'init', '--quiet', '--initial-branch', 'main');
  await gitCli(repo, 'add', '-A');
  await gitCli(repo, '-c', 'user.name=Test', '-c', 'user.email=test@localhost', 'commit', '--quiet', '-m', 'dataset');
  return { repo, dvcFileText, gitignoreText, push };
}

/** A data scientist: `git clone`, optional `.dvc/config.local` (credentials), `dvc pull`. */
export async function cloneAndPull(repo: string, cloneDir: string, configLocal?: string): Promise<string> {
  await gitCli(dirname(cloneDir), 'clone', '--quiet', repo, cloneDir);
  if (configLocal !== undefined) writeFileSync(join(cloneDir, '.dvc', 'config.local'), configLocal);
  await dvc(cloneDir, 'pull');
  return cloneDir;
}

/** `dvc status -c` (workspace vs remote), `dvc data status` (workspace vs git), `git status`: all clean. */
export async function syncState(
  clone: string,
): Promise<{ cloudStatus: unknown; dataStatus: unknown; gitStatus: string }> {
  return {
    cloudStatus: JSON.parse((await dvc(clone, 'status', '--cloud', '--json')).stdout),
    dataStatus: JSON.parse(
      (await dvc(clone, 'data', 'status', '--json', '--not-in-remote', '--untracked-files')).stdout,
    ),
    gitStatus: (await gitCli(clone, 'status', '--porcelain', '--untracked-files=all')).stdout,
  };
}

/** relpath → bytes of every file under `dir`. */
export function readTree(dir: string): Record<string, Buffer> {
  const result: Record<string, Buffer> = {};
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else result[relative(dir, path)] = readFileSync(path); // POSIX: a backslash is part of a name
    }
  };
  walk(dir);
  return result;
}

export function writeTree(dir: string, files: Record<string, string | Buffer>): string[] {
  for (const [relpath, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, relpath)), { recursive: true });
    writeFileSync(join(dir, relpath), content);
  }
  return Object.keys(files);
}

const roots: string[] = [];

export function tempRoot(label: string): string {
  const root = mkdtempSync(join(tmpdir(), `dvc-${label}-`));
  roots.push(root);
  return root;
}

/** For afterAll: removes every folder tempRoot made (set KEEP_TEST_DIRS=1 to look at them after a failure). */
export function removeTempRoots(): void {
  if (process.env.KEEP_TEST_DIRS) return;
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
}

/** Every kind of name that trips an encoder or a sort: unicode, astral vs U+FFFD, `a-b < a.b < a/b < a0`, quotes, controls. */
export function trickyTree(): Record<string, Buffer> {
  const text = (s: string) => Buffer.from(s, 'utf8');
  return {
    'a-b': text('dash'),
    'a.b': text('dot'),
    'a/b': text('slash'),
    a0: text('zero'),
    'données/été.json': text('{"label": "été"}\n'),
    '日本/猫.json': text('{"label": "猫"}\n'),
    '\u{1F600}.json': text('astral'),
    '\uFFFD.json': text('replacement char'),
    '\uE000.json': text('private use'),
    'quote"and\\backslash.json': text('q'),
    "it's here.json": text('apostrophe'),
    'tab\tand\u007fdel.json': text('controls'),
    'deep/er/est/x.json': text('{"deep": true}\n'),
    'empty.json': Buffer.alloc(0),
    'crlf.txt': text('a\r\nb\r\n'), // DVC 3 hashes raw bytes, no CRLF normalisation
    'same-as-dash': text('dash'), // identical content: one object for two paths
    'big.bin': Buffer.from(Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 7919) % 251)),
  };
}

/**
 * A directory whose `.dir` listing is over 1 MiB (the size from which the local remote writes it past the page cache)
 * with few files: 1,100 paths of ~1,000 bytes (four nested 240-character folder names, as long as a key may be).
 */
export function longPathsTree(): Record<string, string> {
  const tree: Record<string, string> = {};
  for (let i = 0; i < 1100; i++) {
    const level = (n: number) => `${n}-`.padEnd(240, String.fromCharCode(97 + (n % 26)));
    tree[`${level(i % 7)}/${level(i % 11)}/${level(i % 13)}/${level(i)}/${i}.json`] = `{"id": ${i}}\n`;
  }
  return tree;
}

function hashed(bytes: Buffer): { md5: string; size: number } {
  return { md5: md5Hex(bytes), size: bytes.length };
}
