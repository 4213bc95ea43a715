import { afterEach, describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { projectDataDir } from '../config/data-dir.layout.js';
import type { ProjectSettings } from '../config/project.settings.js';
import { SchedulerRegistry } from '@nestjs/schedule';
import { ProjectsRegistry } from './projects.registry.js';

/** An embedded project (no repository URL) in its folder under `dataDir`, as the projects file makes them. */
function embedded(dataDir: string, bucket: string, datasetPath: string): ProjectSettings {
  return {
    bucket,
    dataDir: projectDataDir(dataDir, bucket),
    git: { branch: 'main', authorName: 'DVC Sync', authorEmail: 'sync@example.com', httpTimeoutMs: 10_000 },
    dvc: { datasetPath, remoteOptions: {}, sdkEnvironment: {} },
    sync: { intervalSeconds: 86_400, maxPending: 1_000 },
  };
}

describe('ProjectsRegistry', () => {
  const roots: string[] = [];
  afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

  it("builds each project's parts in its own folder, finds them by bucket, and flushes every one on shutdown", async () => {
    Logger.overrideLogger(false);
    const dataDir = mkdtempSync(join(tmpdir(), 'projects-registry-'));
    roots.push(dataDir);
    const registry = new ProjectsRegistry(
      {
        projects: [embedded(dataDir, 'alpha', 'data/alpha'), embedded(dataDir, 'beta', 'data/beta.jsonl')],
        sharedIndexDb: join(dataDir, 'state', 'projects.db'),
        concurrency: 2,
      },
      { crashAfter: undefined },
      new SchedulerRegistry(),
    );
    expect(registry.all().map((project) => project.bucket)).toEqual(['alpha', 'beta']);
    expect(registry.find('gamma')).toBeUndefined();

    await registry.onModuleInit();
    await registry.onApplicationBootstrap();
    await registry.find('alpha')!.storage.putObject({
      key: 'a.txt',
      body: Readable.from([Buffer.from('alpha')]),
      maxSize: 100,
      userMetadata: {},
    });
    expect((await registry.find('alpha')!.sync.status()).pending).toBe(1);
    expect((await registry.find('beta')!.sync.status()).pending).toBe(0);
    await registry.onModuleDestroy();
    await registry.onApplicationShutdown();

    for (const bucket of ['alpha', 'beta']) {
      for (const part of ['objects', 'state/sync.db', 'repo.git'])
        expect(existsSync(join(dataDir, 'projects', bucket, part))).toBe(true);
      // Its index is its own tables in the database every project shares.
      expect(existsSync(join(dataDir, 'projects', bucket, 'state/storage.db'))).toBe(false);
    }
    expect(existsSync(join(dataDir, 'state', 'projects.db'))).toBe(true);
    expect(existsSync(join(dataDir, 'projects', 'alpha', 'objects', 'a.txt'))).toBe(true);
    expect(existsSync(join(dataDir, 'projects', 'beta', 'objects', 'a.txt'))).toBe(false);
    expect(existsSync(join(dataDir, 'objects'))).toBe(false);

    // The final flush committed alpha's write: after a restart nothing is pending.
    const again = new ProjectsRegistry(
      {
        projects: [embedded(dataDir, 'alpha', 'data/alpha'), embedded(dataDir, 'beta', 'data/beta.jsonl')],
        sharedIndexDb: join(dataDir, 'state', 'projects.db'),
        concurrency: 2,
      },
      { crashAfter: undefined },
      new SchedulerRegistry(),
    );
    await again.onModuleInit();
    const alpha = await again.find('alpha')!.sync.status();
    expect({ pending: alpha.pending, committed: alpha.lastCommit !== null }).toEqual({ pending: 0, committed: true });
    await again.onApplicationShutdown();
  });
});
