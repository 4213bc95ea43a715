import { afterEach, describe, expect, it } from '@jest/globals';
import { ConfigModule } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { dvcConfig } from '../config/configuration.js';
import { DatasetModule } from './dataset.module.js';
import { DatasetService } from './dataset.service.js';

async function serviceFor(datasetPath: string | undefined): Promise<DatasetService> {
  if (datasetPath === undefined) delete process.env.DVC_DATASET_PATH;
  else process.env.DVC_DATASET_PATH = datasetPath;
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [dvcConfig] }), DatasetModule],
  }).compile();
  return moduleRef.get(DatasetService);
}

describe('DatasetService (DatasetModule wiring)', () => {
  const saved = process.env.DVC_DATASET_PATH;
  afterEach(() => {
    if (saved === undefined) delete process.env.DVC_DATASET_PATH;
    else process.env.DVC_DATASET_PATH = saved;
  });

  it.each([
    [undefined, 'data/annotations.json', 'json'],
    ['data/tasks.jsonl', 'data/tasks.jsonl', 'jsonl'],
    ['data/annotations', 'data/annotations', 'directory'],
  ])('DVC_DATASET_PATH=%s → %s as %s', async (env, path, layout) => {
    const service = await serviceFor(env);
    expect({ path: service.path, layout: service.layout }).toEqual({ path, layout });
  });

  it('names the dataset in commit messages', async () => {
    const service = await serviceFor('data/tasks.jsonl');
    expect(service.commitMessage({ added: ['exports/1'], updated: [], deleted: [] })).toBe(
      'Update data/tasks.jsonl: 1 added\n\nA exports/1\n',
    );
  });
});
