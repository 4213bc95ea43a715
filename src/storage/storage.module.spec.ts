import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ConfigModule } from '@nestjs/config';
import { Test, type TestingModule } from '@nestjs/testing';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storageConfig } from '../config/configuration.js';
import { StorageBackend } from './storage.backend.js';
import { StorageModule } from './storage.module.js';
import { putInput, readAll } from './storage-test.helpers.js';

describe('StorageModule', () => {
  let dataDir: string;
  let moduleRef: TestingModule | undefined;
  const previous = process.env.DATA_DIR;

  async function boot(): Promise<StorageBackend> {
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [storageConfig] }), StorageModule],
    }).compile();
    await moduleRef.init();
    return moduleRef.get(StorageBackend);
  }

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'storage-module-'));
    process.env.DATA_DIR = dataDir;
  });
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    if (previous === undefined) delete process.env.DATA_DIR;
    else process.env.DATA_DIR = previous;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('provides a StorageBackend that keeps objects in DATA_DIR and survives a module restart', async () => {
    const storage = await boot();
    await storage.putObject(putInput('via/module', 'hello'));
    expect((await stat(join(dataDir, 'objects/via/module'))).size).toBe(5);
    await moduleRef!.close();
    const again = await boot();
    expect((await readAll((await again.getObject('via/module')).body)).toString()).toBe('hello');
    expect(await again.lastSeq()).toBe(1);
  });
});
