import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { dirname, join, relative } from 'node:path';
import { keyToRelativePath } from '../../src/dataset/object-key.relpath.js';
import { gitCloneAndDvcPull } from '../support/dvc-cli.js';
import type { JsonObject } from '../support/label-studio-client.js';
import { exportDifferences } from '../support/label-studio-export.js';
import {
  annotateMore,
  annotationKey,
  choice,
  labelingSession,
  taskKey,
  type Session,
} from '../support/label-studio-scenario.js';
import { startLabelStudio, type RunningLabelStudio } from '../support/label-studio.js';
import { startS3Recorder, type S3Recorder } from '../support/s3-recorder.js';
import { startService, type RunningService } from '../support/service.js';

/**
 * The product, end to end: a real Label Studio writes to our S3 API as Target storage; we flush; a data scientist
 * `git clone`s the branch and `dvc pull`s with the real dvc CLI; the dataset is what Label Studio has.
 * Between Label Studio and the service sits a recording proxy: the proof of what Label Studio sent, byte for byte.
 */
const ADMIN_TOKEN = 'label-studio-e2e-admin-token';
const JSON_DATASET = 'data/annotations.json';
const DIR_DATASET = 'data/annotations';

interface SyncStatus {
  pending: number;
  running: boolean;
  lastCommit: string | null;
  lastError: string | null;
  branch: string;
  rejected: Array<{ key: string; reason: string }>;
}

/** `POST` runs a flush and answers when it is done; both answer the sync status. */
function adminSync(service: RunningService, method: 'GET' | 'POST'): Promise<SyncStatus> {
  return new Promise((resolve, reject) => {
    const options = { method, headers: { Authorization: `Bearer ${ADMIN_TOKEN}` }, ca: service.cert?.certPem };
    const req = (service.url.startsWith('https') ? httpsRequest : httpRequest)(
      `${service.url}/_admin/sync`,
      options,
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          // The service's one project (the projects-e2e suite covers several).
          if (res.statusCode === 200) resolve((JSON.parse(text) as { projects: SyncStatus[] }).projects[0]);
          else reject(new Error(`${method} /_admin/sync → ${res.statusCode}: ${text}`));
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const clones: string[] = [];
afterEach(() => {
  for (const clone of clones.splice(0)) rmSync(dirname(clone), { recursive: true, force: true });
});

async function cloneAndPull(service: RunningService, branch: string, datasetPath: string): Promise<string> {
  const clone = await gitCloneAndDvcPull(join(service.dataDir, 'repo.git'), branch, datasetPath);
  clones.push(clone);
  return clone;
}

interface Labeled {
  session: Session;
  recorder: S3Recorder;
  /** The clone after `dvc pull`. */
  clone: string;
}

/**
 * A labeling team's steps: Target storage on our service (prefix as given, can_delete_objects on), annotations created,
 * one updated, one deleted, Sync pressed; more annotations while a flush runs; a final flush; clone + pull.
 */
async function labelIntoService(
  ls: RunningLabelStudio,
  service: RunningService,
  prefix: string,
  datasetPath: string,
): Promise<Labeled> {
  const recorder = await startS3Recorder(service.url);
  try {
    const target = {
      endpoint: recorder.url,
      bucket: service.bucket,
      prefix,
      region: service.region,
      accessKeyId: service.accessKeyId,
      secretAccessKey: service.secretAccessKey,
    };
    const session = await labelingSession(ls.api, target, `${datasetPath} ${prefix}`);
    const flushing = adminSync(service, 'POST');
    await annotateMore(ls.api, session); // each one a PUT to us, while that flush runs (or right after it)
    expect((await flushing).lastError).toBeNull();
    const final = await adminSync(service, 'POST');
    expect(final).toMatchObject({ lastError: null, pending: 0, rejected: [] });
    expect(final.lastCommit).toMatch(/^[0-9a-f]{40}$/);
    const clone = await cloneAndPull(service, final.branch, datasetPath);
    return { session, recorder, clone };
  } catch (error) {
    await recorder.stop();
    throw error;
  }
}

/** Runs a test with a fresh service; a failure carries the service's and Label Studio's logs. */
async function withService(
  ls: RunningLabelStudio,
  datasetPath: string,
  body: (service: RunningService) => Promise<void>,
) {
  const service = await startService({ env: { DVC_DATASET_PATH: datasetPath, ADMIN_TOKEN } });
  try {
    await body(service);
  } catch (error) {
    if (error instanceof Error) {
      error.message += `\n--- service log (last 6000 chars) ---\n${service.logs().slice(-6000)}`;
      error.message += `\n--- Label Studio log (last 4000 chars) ---\n${ls.logs().slice(-4000)}`;
    }
    throw error;
  } finally {
    await service.stop();
  }
}

/** relpath → bytes of every file under `dir`. */
function filesUnder(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(dir, path).split('\\').join('/'), readFileSync(path));
  }
  return files;
}

/** The directory layout holds exactly the last bodies Label Studio PUT (and did not DELETE), byte for byte. */
function expectMirrorOfWhatLabelStudioSent(
  clone: string,
  recorder: S3Recorder,
  bucket: string,
  expectedKeys: string[],
) {
  const sent = recorder.lastPutBodies(bucket);
  expect([...sent.keys()].sort()).toEqual([...expectedKeys].sort());
  const pulled = filesUnder(join(clone, DIR_DATASET));
  expect([...pulled.keys()].sort()).toEqual(expectedKeys.map(keyToRelativePath).sort());
  for (const [key, body] of sent) {
    const file = pulled.get(keyToRelativePath(key))!;
    expect({ key, identical: file.equals(body) }).toEqual({ key, identical: true });
  }
  return pulled;
}

describe('Label Studio → our S3 API → git + DVC (default format: one object per annotation)', () => {
  let ls: RunningLabelStudio;
  beforeAll(async () => {
    ls = await startLabelStudio();
  });
  afterAll(async () => {
    await ls?.stop();
  });

  it.each(['exports', 'exports/'])(
    '.json layout, prefix %j: the pulled file equals Label Studio’s own export',
    async (prefix) => {
      await withService(ls, JSON_DATASET, async (service) => {
        const { session, recorder, clone } = await labelIntoService(ls, service, prefix, JSON_DATASET);
        await recorder.stop();
        const dataset = JSON.parse(readFileSync(join(clone, JSON_DATASET), 'utf8')) as Array<
          JsonObject & { annotations: JsonObject[] }
        >;
        const exported = await ls.api.exportProject(session.projectId);
        expect(exportDifferences(dataset, exported)).toEqual([]);
        // The same, said plainly: every live annotation once, the deleted one gone, the updated one in its last version.
        const annotations = dataset.flatMap((task) => task.annotations);
        expect(annotations.map((a) => a.id).sort()).toEqual([...session.live.keys()].sort());
        expect(annotations.find((a) => a.id === session.updatedId)).toMatchObject({
          result: choice('neg'),
          lead_time: 7.25,
        });
      });
    },
  );

  it.each(['exports', 'exports/'])(
    'directory layout, prefix %j: one file per annotation, byte-identical to what Label Studio sent',
    async (prefix) => {
      await withService(ls, DIR_DATASET, async (service) => {
        const { session, recorder, clone } = await labelIntoService(ls, service, prefix, DIR_DATASET);
        await recorder.stop();
        const keys = [...session.live.keys()].map((id) => annotationKey(prefix, id));
        const pulled = expectMirrorOfWhatLabelStudioSent(clone, recorder, service.bucket, keys);
        expect(pulled.has(keyToRelativePath(annotationKey(prefix, session.deletedId)))).toBe(false);
        // Each file is the annotation as Label Studio has it now (the updated one in its last version).
        for (const id of session.live.keys()) {
          const file = JSON.parse(pulled.get(keyToRelativePath(annotationKey(prefix, id)))!.toString()) as JsonObject;
          const current = await ls.api.getAnnotation(id);
          expect({ id: file.id, result: file.result, updated_at: file.updated_at }).toEqual({
            id,
            result: current.result,
            updated_at: current.updated_at,
          });
        }
      });
    },
  );

  it('Source storage on a prefix of our bucket (presign=false): Sync imports the task files as tasks', async () => {
    await withService(ls, DIR_DATASET, async (service) => {
      const s3 = new S3Client({
        endpoint: service.url,
        region: service.region,
        forcePathStyle: true,
        credentials: { accessKeyId: service.accessKeyId, secretAccessKey: service.secretAccessKey },
      });
      const put = (key: string, value: unknown) =>
        s3.send(new PutObjectCommand({ Bucket: service.bucket, Key: key, Body: JSON.stringify(value) }));
      await put('incoming/one.json', { data: { text: 'first task, café' } });
      await put('incoming/two.json', [{ data: { text: 'second' } }, { data: { text: 'third' } }]);
      await put('incoming/nested/four.json', {
        data: { text: 'not imported: Label Studio does not recurse by default' },
      });
      s3.destroy();
      const project = await ls.api.createProject(
        'source on our bucket',
        '<View><Text name="text" value="$text"/></View>',
      );
      const source = {
        project: project.id,
        bucket: service.bucket,
        prefix: 'incoming',
        s3_endpoint: service.url,
        region_name: service.region,
        aws_access_key_id: service.accessKeyId,
        aws_secret_access_key: service.secretAccessKey,
        presign: false,
      };
      await ls.api.validateImportStorage(source);
      const storage = await ls.api.createImportStorage(source);
      expect(await ls.api.syncImportStorage(storage.id)).toMatchObject({ status: 'completed', last_sync_count: 3 });
      const texts = (await ls.api.listTasks(project.id)).map((task) => task.data.text).sort();
      expect(texts).toEqual(['first task, café', 'second', 'third']);
    });
  });
});

describe('Label Studio → our S3 API → git + DVC (task format: FUTURE_SAVE_TASK_TO_STORAGE=true)', () => {
  let ls: RunningLabelStudio;
  beforeAll(async () => {
    ls = await startLabelStudio({ env: { FUTURE_SAVE_TASK_TO_STORAGE: 'true' } });
  });
  afterAll(async () => {
    await ls?.stop();
  });

  const annotatedTasks = (session: Session) => [...new Set([...session.live.values()].map((a) => a.task))];

  it('.json layout, prefix "tasks": the pulled file equals Label Studio’s own export', async () => {
    await withService(ls, JSON_DATASET, async (service) => {
      const { session, recorder, clone } = await labelIntoService(ls, service, 'tasks', JSON_DATASET);
      await recorder.stop();
      expect([...recorder.lastPutBodies(service.bucket).keys()].sort()).toEqual(
        annotatedTasks(session)
          .map((id) => taskKey('tasks', id))
          .sort(),
      );
      const dataset = JSON.parse(readFileSync(join(clone, JSON_DATASET), 'utf8')) as unknown;
      expect(exportDifferences(dataset, await ls.api.exportProject(session.projectId))).toEqual([]);
    });
  });

  it('directory layout, prefix "tasks/": one <task id>.json per annotated task, byte-identical to what Label Studio sent', async () => {
    await withService(ls, DIR_DATASET, async (service) => {
      const { session, recorder, clone } = await labelIntoService(ls, service, 'tasks/', DIR_DATASET);
      await recorder.stop();
      const pulled = expectMirrorOfWhatLabelStudioSent(
        clone,
        recorder,
        service.bucket,
        annotatedTasks(session).map((id) => taskKey('tasks/', id)),
      );
      const exported = await ls.api.exportProject(session.projectId);
      const tasks = [...pulled.values()].map((body) => JSON.parse(body.toString()) as JsonObject);
      expect(exportDifferences(tasks, exported, { from: 'storage-bodies' })).toEqual([]);
    });
  });
});

describe('Label Studio → our S3 API over https (botocore sends aws-chunked bodies with a CRC32 trailer)', () => {
  it('directory layout: every file is the annotation JSON itself, without the chunk framing', async () => {
    const service = await startService({ tls: true, env: { DVC_DATASET_PATH: DIR_DATASET, ADMIN_TOKEN } });
    // boto3 in Label Studio trusts the service's self-signed certificate through AWS_CA_BUNDLE.
    const ls = await startLabelStudio({ env: { AWS_CA_BUNDLE: service.cert!.certFile } }).catch(
      async (error: unknown) => {
        await service.stop();
        throw error;
      },
    );
    try {
      const target = {
        endpoint: service.url,
        bucket: service.bucket,
        prefix: 'tls',
        region: service.region,
        accessKeyId: service.accessKeyId,
        secretAccessKey: service.secretAccessKey,
      };
      const session = await labelingSession(ls.api, target, 'https');
      const final = await adminSync(service, 'POST');
      expect(final).toMatchObject({ lastError: null, pending: 0 });
      const clone = await cloneAndPull(service, final.branch, DIR_DATASET);
      const pulled = filesUnder(join(clone, DIR_DATASET));
      expect([...pulled.keys()].sort()).toEqual(
        [...session.live.keys()].map((id) => keyToRelativePath(annotationKey('tls', id))).sort(),
      );
      for (const id of session.live.keys()) {
        const body = pulled.get(keyToRelativePath(annotationKey('tls', id)))!.toString();
        expect(body.startsWith(`{"id": ${id}, `)).toBe(true);
        const current = await ls.api.getAnnotation(id);
        expect(JSON.parse(body)).toMatchObject({ id, result: current.result, updated_at: current.updated_at });
      }
    } catch (error) {
      if (error instanceof Error)
        error.message += `\n--- service log ---\n${service.logs().slice(-6000)}\n--- Label Studio log ---\n${ls.logs().slice(-4000)}`;
      throw error;
    } finally {
      await ls.stop();
      await service.stop();
    }
  });
});
