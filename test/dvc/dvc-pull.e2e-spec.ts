import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { buildDirObject } from '../support/dir-object.js';
import { parseDvcConfig } from '../../src/dvc/dvc-config.parser.js';
import { md5Hex } from '../../src/dvc/md5.util.js';
import type { DvcRemote } from '../../src/dvc/dvc.remote.js';
import { createDvcRemote } from '../../src/dvc/dvc-remote.factory.js';
import { resolveRemote } from '../../src/dvc/remote.resolver.js';
import { startMotoServer, type MotoServer } from '../support/moto-server.js';
import {
  cloneAndPull,
  longPathsTree,
  publishDataset,
  readTree,
  syncState,
  removeTempRoots,
  tempRoot,
  trickyTree,
  type DatasetContent,
} from './dvc-repo.harness.js';

/**
 * The proof that matters: a repository built by our code only (objects pushed by our remotes, `.dvc` and
 * `.gitignore` by our writers) is what the real `dvc` 3.67 accepts: `git clone` + `dvc pull` gives back
 * every byte, and `dvc status -c`, `dvc data status` and `git status` are all clean.
 */
interface RemoteSetup {
  /** `.dvc/config` (committed) and `.dvc/config.local` (credentials, written in each clone). */
  config: string;
  configLocal?: string;
  dvcDir?: string;
}

const datasets: [string, string, DatasetContent][] = [
  ['a directory with unicode, nested and sort-trap names', 'data/annotations', trickyTree()],
  ['a single JSON file', 'data/annotations.json', Buffer.from('[{"id": 1, "annotations": [{"result": []}]}]\n')],
  ['a directory whose .dir is over 1 MiB (long paths)', 'data/annotations', longPathsTree()],
];

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMotoServer();
});
afterAll(async () => {
  removeTempRoots();
  await moto?.stop();
});

const setups: [string, (root: string) => RemoteSetup][] = [
  [
    'local folder remote (relative url, resolved from .dvc/ like DVC does)',
    (root) => ({
      config: '[core]\n    remote = storage\n[\'remote "storage"\']\n    url = ../../remote-store\n',
      dvcDir: join(root, 'author', '.dvc'),
    }),
  ],
  [
    'S3 remote on moto (endpointurl in config, keys in config.local)',
    (root) => ({
      config: `[core]\n    remote = storage\n['remote "storage"']\n    url = s3://${moto.bucket}/${root.split('/').pop()}/dvcstore\n    endpointurl = ${moto.endpoint}\n`,
      configLocal: `['remote "storage"']\n    access_key_id = ${moto.accessKeyId}\n    secret_access_key = ${moto.secretAccessKey}\n`,
    }),
  ],
];

describe.each(setups)('%s', (_remoteName, setupFor) => {
  it.each(datasets)(
    'dvc pull restores %s byte for byte, and everything is in sync',
    async (_what, datasetPath, content) => {
      const root = tempRoot('pull');
      const setup = setupFor(root);
      const remote = remoteFor(setup);
      try {
        const published = await publishDataset({ root, datasetPath, content, remote, dvcConfig: setup.config });
        expect(published.push.uploaded.length).toBeGreaterThan(0);

        const clone = await cloneAndPull(published.repo, join(root, 'clone'), setup.configLocal);
        const pulled = Buffer.isBuffer(content)
          ? { 'annotations.json': readTree(join(clone, 'data'))['annotations.json'] }
          : readTree(join(clone, datasetPath));
        const expected: Record<string, string | Buffer> = Buffer.isBuffer(content)
          ? { 'annotations.json': content }
          : content;
        expect(Object.keys(pulled).sort()).toEqual(Object.keys(expected).sort());
        for (const [relpath, bytes] of Object.entries(expected))
          expect({ relpath, same: pulled[relpath]?.equals(Buffer.from(bytes)) }).toEqual({ relpath, same: true });

        expect(await syncState(clone)).toEqual({ cloudStatus: {}, dataStatus: {}, gitStatus: '' });
        // A second sync of the same data uploads nothing.
        const again = await publishDataset({
          root: tempRoot('pull-again'),
          datasetPath,
          content,
          remote,
          dvcConfig: setup.config,
        });
        expect(again.push.uploaded).toEqual([]);
      } finally {
        remote.close();
      }
    },
  );
});

it('the long-paths dataset lists over 1 MiB in its .dir (what a local remote writes past the page cache)', () => {
  const tree = longPathsTree();
  const listing = buildDirObject(
    Object.entries(tree).map(([relpath, text]) => ({ relpath, md5: md5Hex(text), size: Buffer.byteLength(text) })),
  );
  expect(listing.content.length).toBeGreaterThan(1024 * 1024);
});

it("pushes to the output's own remote, as dvc pull reads it, and keeps a user's edits to the .dvc file", async () => {
  const root = tempRoot('edited');
  const config =
    '[core]\n    remote = unused\n[\'remote "unused"\']\n    url = /nonexistent/never-used\n[\'remote "team"\']\n    url = ../../team-store\n';
  const edited = [
    '# Curated by the data team; do not edit md5/size by hand',
    'desc: Cat and dog annotations',
    'meta:',
    '  owner: alice',
    '  since: 2001-12-14',
    'outs:',
    '- md5: 0123456789abcdef0123456789abcdef.dir   # replaced by the sync',
    '  size: 1',
    '  nfiles: 1',
    '  hash: md5',
    '  path: annotations',
    '  desc: |',
    '    One JSON per task,',
    '    exported by Label Studio',
    '  type: dataset',
    '  labels: [cats, dogs]',
    '  meta: {reviewed: no, count: 017}',
    '  remote: team',
    '  push: true',
    '',
  ].join('\n');
  const spec = resolveRemote({
    config: parseDvcConfig({ config }),
    outRemote: 'team',
    dvcDir: join(root, 'author', '.dvc'),
  });
  expect(spec).toEqual({ kind: 'local', name: 'team', path: join(root, 'team-store') });
  const content = { 'cat.json': '{"label": "cat"}\n', 'dog.json': '{"label": "dog"}\n' };
  const published = await publishDataset({
    root,
    datasetPath: 'data/annotations',
    content,
    remote: createDvcRemote(spec),
    dvcConfig: config,
    existingDvcFile: edited,
    existingGitignore: '/scratch\n',
  });

  const lines = edited.split('\n');
  const changed = published.dvcFileText.split('\n').filter((line, i) => line !== lines[i]);
  expect(changed).toEqual([
    '- md5: 040260075f8750d16709c5981a414619.dir   # replaced by the sync',
    '  size: 34',
    '  nfiles: 2',
  ]);
  expect(published.gitignoreText).toBe('/scratch\n/annotations\n');

  const clone = await cloneAndPull(published.repo, join(root, 'clone'));
  expect(readTree(join(clone, 'data', 'annotations'))).toEqual({
    'cat.json': Buffer.from(content['cat.json']),
    'dog.json': Buffer.from(content['dog.json']),
  });
  expect(await syncState(clone)).toEqual({ cloudStatus: {}, dataStatus: {}, gitStatus: '' });
});

function remoteFor(setup: RemoteSetup): DvcRemote {
  const spec = resolveRemote({
    config: parseDvcConfig({ config: setup.config, configLocal: setup.configLocal }),
    dvcDir: setup.dvcDir,
  });
  return createDvcRemote(spec);
}
