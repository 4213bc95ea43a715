import { describe, expect, it } from '@jest/globals';
import { embeddedSeedFiles, movedSeedRemote } from './embedded-repo.seed.js';

// The bytes are checked against the real `dvc init` in test/git/embedded-repo.e2e-spec.ts.
describe('embeddedSeedFiles', () => {
  const files = Object.fromEntries(
    embeddedSeedFiles('/srv/data/dvc-remote').map((f) => [f.path, f.content?.toString('utf8')]),
  );

  it('names the local DVC remote as the default remote, by absolute path', () => {
    expect(files['.dvc/config']).toBe(
      '[core]\n    remote = local\n[\'remote "local"\']\n    url = /srv/data/dvc-remote\n',
    );
  });

  it('keeps DVC cache, tmp and local config out of git', () => {
    expect(files['.dvc/.gitignore']).toBe('/config.local\n/tmp\n/cache\n');
  });

  it('writes exactly the three files dvc init leaves', () => {
    expect(Object.keys(files).sort()).toEqual(['.dvc/.gitignore', '.dvc/config', '.dvcignore']);
  });

  it('refuses a relative remote folder (DVC would resolve it against each clone)', () => {
    expect(() => embeddedSeedFiles('data/dvc-remote')).toThrow(/absolute/);
  });
});

describe('movedSeedRemote', () => {
  const seedConfig = (url: string) => `[core]\n    remote = local\n['remote "local"']\n    url = ${url}\n`;
  const now = '/new/data/dvc-remote';

  it.each([
    ['the seed, naming the old DATA_DIR', seedConfig('/old/data/dvc-remote'), seedConfig(now)],
    [
      'the seed, naming a project folder of the old DATA_DIR',
      seedConfig('/old/projects/a/dvc-remote'),
      seedConfig(now),
    ],
    ['the seed, already here', seedConfig(now), undefined],
    ['a folder a person chose (another name)', seedConfig('/mnt/team/store'), undefined],
    ['the seed plus an option', `${seedConfig('/old/data/dvc-remote')}    verify = true\n`, undefined],
    ['another default remote', seedConfig('/old/data/dvc-remote').replace('remote = local', 'remote = s3'), undefined],
    ['a relative url', seedConfig('../dvc-remote'), undefined],
  ])('%s', (_, config, expected) => {
    expect(movedSeedRemote(config, now)?.content?.toString('utf8')).toBe(expected);
  });
});
