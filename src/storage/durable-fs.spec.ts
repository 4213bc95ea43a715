import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableDirs } from './durable-dirs.js';
import { fileDigest, placeFile } from './durable-fs.js';
import { md5 } from './storage-test.helpers.js';

describe('durable-fs', () => {
  let dir: string;
  let root: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'durable-fs-'));
    root = join(dir, 'objects');
    await mkdir(root);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function temp(name: string, bytes: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, bytes);
    return path;
  }

  it('places a file in a folder known durable even when a delete removed that folder since', async () => {
    const dirs = new DurableDirs(root);
    await placeFile(await temp('t1', 'one'), join(root, 'a', 'b', '1'), dirs);
    expect(dirs.isKnown(join(root, 'a', 'b'))).toBe(true);
    await rm(join(root, 'a'), { recursive: true }); // pruned after the put looked (it skips mkdir for a known folder)
    await placeFile(await temp('t2', 'two'), join(root, 'a', 'b', '2'), dirs);
    expect(await readFile(join(root, 'a', 'b', '2'), 'utf8')).toBe('two');
  });

  it('digests a regular file, and finds none at a missing path or a folder', async () => {
    await writeFile(join(root, 'f'), 'bytes');
    expect(await fileDigest(join(root, 'f'))).toEqual({ size: 5, md5: md5('bytes') });
    expect(await fileDigest(join(root, 'missing'))).toBeUndefined();
    expect(await fileDigest(join(root, 'f', 'below-a-file'))).toBeUndefined();
    expect(await fileDigest(root)).toBeUndefined();
  });
});
