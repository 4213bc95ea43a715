import { describe, expect, it } from '@jest/globals';
import { relative } from 'node:path';
import { dataDirLayout } from './data-dir.layout.js';

describe('dataDirLayout: the one place that decides what lives where under DATA_DIR', () => {
  it('puts everything inside DATA_DIR, each at its own path, metadata outside the objects folder', () => {
    const layout = dataDirLayout('/srv/dvc-sync');
    const paths = Object.entries(layout).filter((entry): entry is [string, string] => entry[0] !== 'root');
    for (const [, path] of paths) expect(relative('/srv/dvc-sync', path).startsWith('..')).toBe(false);
    expect(new Set(paths.map(([, path]) => path)).size).toBe(paths.length);
    for (const [name, path] of paths)
      if (name !== 'objects') expect(relative(layout.objects, path).startsWith('..')).toBe(true);
  });

  it('keeps the paths of earlier releases, so an upgrade finds its data', () => {
    expect(dataDirLayout('/d')).toEqual({
      root: '/d',
      objects: '/d/objects',
      projects: '/d/projects',
      projectsIndexDb: '/d/state/projects.db',
      tmp: '/d/tmp',
      uploads: '/d/uploads',
      state: '/d/state',
      storageDb: '/d/state/storage.db',
      syncDb: '/d/state/sync.db',
      credentials: '/d/credentials.json',
      gitCache: '/d/git',
      embeddedRepo: '/d/repo.git',
      embeddedDvcRemote: '/d/dvc-remote',
    });
  });
});
