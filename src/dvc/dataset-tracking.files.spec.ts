import { describe, expect, it } from '@jest/globals';
import { dvcOutputPaths } from './dataset-paths.util.js';
import { datasetFileChanges, readTipDataset, type TipDataset } from './dataset-tracking.files.js';

// Invariant 3 at the level of one commit's file list: only the dataset's `.dvc` and its `.gitignore`, and
// only when their bytes change (no change at all → no commit).

const DIR = { md5: 'abbbda1220ff3fd9ae205e7b74ff140d.dir', size: 34, nfiles: 2 };
const DVC =
  'outs:\n- md5: abbbda1220ff3fd9ae205e7b74ff140d.dir\n  size: 34\n  nfiles: 2\n  hash: md5\n  path: annotations\n';
const OLD_DVC = DVC.replace('abbbda1220ff3fd9ae205e7b74ff140d', '0123456789abcdef0123456789abcdef');
const paths = dvcOutputPaths('data/annotations');

const text = (changes: ReturnType<typeof datasetFileChanges>) =>
  Object.fromEntries(changes.map((c) => [c.path, c.content?.toString('utf8')]));

describe('datasetFileChanges', () => {
  it.each<[string, TipDataset, Record<string, string>]>([
    ['empty branch: both files', {}, { 'data/annotations.dvc': DVC, 'data/.gitignore': '/annotations\n' }],
    ['dataset unchanged: nothing', { dvcFile: DVC, gitignore: '/annotations\n' }, {}],
    ['new hash: the .dvc only', { dvcFile: OLD_DVC, gitignore: '/annotations\n' }, { 'data/annotations.dvc': DVC }],
    [
      'other ignore lines are kept',
      { dvcFile: DVC, gitignore: '# raw\n/raw' },
      { 'data/.gitignore': '# raw\n/raw\n/annotations\n' },
    ],
    ['already ignored as a folder', { dvcFile: DVC, gitignore: 'annotations/\n' }, {}],
    [
      'user keys of the .dvc survive',
      { dvcFile: `${OLD_DVC}  desc: reviewed\n  remote: team\n`, gitignore: '/annotations\n' },
      { 'data/annotations.dvc': `${DVC}  desc: reviewed\n  remote: team\n` },
    ],
  ])('%s', (_, tip, expected) => {
    expect(text(datasetFileChanges(paths, tip, DIR, true))).toEqual(expected);
  });

  it('writes a file output (JSON layout) without nfiles, and never deletes a path', () => {
    const changes = datasetFileChanges(
      dvcOutputPaths('annotations.json'),
      {},
      { md5: '1f7158efe575281d65231791a6d4a244', size: 17 },
      false,
    );
    expect(text(changes)).toEqual({
      'annotations.json.dvc':
        'outs:\n- md5: 1f7158efe575281d65231791a6d4a244\n  size: 17\n  hash: md5\n  path: annotations.json\n',
      '.gitignore': '/annotations.json\n',
    });
    expect(changes.every((c) => c.content !== null)).toBe(true);
  });
});

describe('readTipDataset', () => {
  it.each<[string, Buffer | undefined, string | undefined]>([
    ['no .dvc on the branch', undefined, undefined],
    ['our output', Buffer.from(DVC), DIR.md5],
    ['an output added but never committed (no md5)', Buffer.from('outs:\n- path: annotations\n'), undefined],
    ['a .dvc for another path', Buffer.from(DVC.replace('path: annotations', 'path: other')), undefined],
  ])('%s', (_, dvcFile, expected) => {
    expect(readTipDataset(paths, { dvcFile }).out?.md5).toBe(expected);
  });
});
