import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LabelStudioApiError, type JsonObject } from '../support/label-studio-client.js';
import { exportDifferences } from '../support/label-studio-export.js';
import { annotateMore, annotationKey, choice, labelingSession, taskKey } from '../support/label-studio-scenario.js';
import { startLabelStudio, type RunningLabelStudio } from '../support/label-studio.js';
import { startMotoServer, type MotoServer } from '../support/moto-server.js';
import { startS3Recorder, type RecordedRequest, type S3Recorder } from '../support/s3-recorder.js';

/**
 * What Label Studio 1.23.2 really sends to an S3 Target/Source storage, learned against moto (a stand-in S3)
 * through a recording proxy. Our service is built on these facts (docs/label-studio.md): when one
 * stops holding after a Label Studio upgrade, this file says which.
 */
const BUCKET = 'annotations';

let moto: MotoServer;
let s3: S3Client;
let recorder: S3Recorder;
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  moto = await startMotoServer(BUCKET);
  stops.push(() => moto.stop());
  s3 = moto.client();
  stops.push(async () => s3.destroy());
  recorder = await startS3Recorder(moto.endpoint);
  stops.push(() => recorder.stop());
});

/** What moto holds under `prefix`: key → bytes. */
async function stored(prefix: string): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  for (const { Key } of listed.Contents ?? []) {
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
    found.set(Key!, Buffer.from(await object.Body!.transformToByteArray()));
  }
  return found;
}
const putObject = (key: string, body: string) =>
  s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
});

const target = (prefix: string) => ({
  endpoint: recorder.url,
  bucket: BUCKET,
  prefix,
  accessKeyId: moto.accessKeyId,
  secretAccessKey: moto.secretAccessKey,
});
const sent = (method: string, key: string) =>
  recorder.requests.filter((r) => r.method === method && r.bucket === BUCKET && r.key === key);

/** Python's `json.dumps(value)`: separators ', ' and ': ', every non-ASCII UTF-16 unit as a lowercase \\uXXXX. */
function pythonJsonDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${asciiJson(k)}: ${pythonJsonDumps(v)}`)
      .join(', ')}}`;
  }
  return asciiJson(value);
}
const asciiJson = (value: unknown) =>
  JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

describe('Label Studio Target storage, default format (one object per annotation)', () => {
  let ls: RunningLabelStudio;
  beforeAll(async () => {
    ls = await startLabelStudio();
    stops.push(() => ls.stop());
  });

  it.each(['plain', 'slashed/'])(
    'prefix %j: key = prefix + "/" + annotation id; updates overwrite, deletes arrive',
    async (prefix) => {
      const session = await labelingSession(ls.api, target(prefix), `default ${prefix}`);
      await annotateMore(ls.api, session);

      const objects = await stored(prefix);
      const expected = [...session.live.keys()].map((id) => annotationKey(prefix, id));
      expect([...objects.keys()].sort()).toEqual(expected.sort());
      if (prefix.endsWith('/')) expect([...objects.keys()].every((key) => key.startsWith('slashed//'))).toBe(true); // never collapsed

      // The delete reached S3 (can_delete_objects) and answered 204.
      expect(sent('DELETE', annotationKey(prefix, session.deletedId)).map((r) => r.status)).toEqual([204]);
      // The update overwrote the same key with the last version.
      const updated = JSON.parse(objects.get(annotationKey(prefix, session.updatedId))!.toString()) as JsonObject;
      expect(updated).toMatchObject({ id: session.updatedId, result: choice('neg'), lead_time: 7.25 });

      // Each object is exactly the last body sent, a Python json.dumps (ASCII only) of the annotation + nested task.
      const bodies = recorder.lastPutBodies(BUCKET);
      for (const [key, body] of objects) {
        expect(body.equals(bodies.get(key)!)).toBe(true);
        expect(body.toString('latin1')).toBe(pythonJsonDumps(JSON.parse(body.toString())));
      }
      expect(objects.get(annotationKey(prefix, session.updatedId))!.toString()).toContain(
        'caf\\u00e9 cr\\u00e8me \\u2615',
      );
    },
  );

  it('the wire: ListObjectsV2 to check the prefix; PUT without Content-Type, with CRC32 and a signed sentry-trace', async () => {
    const session = await labelingSession(ls.api, target('wire'), 'wire');
    const key = annotationKey('wire', session.updatedId);
    const checks = recorder.requests.filter((r) => r.method === 'GET' && r.query.includes('prefix=wire&'));
    expect(checks.length).toBeGreaterThan(0);
    for (const check of checks) expect(check.query).toBe('list-type=2&prefix=wire&max-keys=1&encoding-type=url');
    const puts = sent('PUT', key);
    expect(puts.length).toBeGreaterThanOrEqual(3); // create, update, Sync
    for (const put of puts) {
      expect(put.path).toBe(`/${BUCKET}/${key}`);
      expect(put.headers['content-type']).toBeUndefined();
      expect(put.headers.expect).toBe('100-continue');
      expect(put.headers['content-length']).toBe(String(put.body.length));
      expect(put.headers['x-amz-sdk-checksum-algorithm']).toBe('CRC32');
      expect(put.headers['x-amz-checksum-crc32']).toMatch(/^[A-Za-z0-9+/]{6}==$/);
      expect(signedHeaders(put)).toEqual([
        'host',
        'sentry-trace',
        'x-amz-checksum-crc32',
        'x-amz-content-sha256',
        'x-amz-date',
        'x-amz-sdk-checksum-algorithm',
      ]);
    }
  });

  it('a dataset grouped by task from the stored bodies equals the JSON export, except the documented fields', async () => {
    const session = await labelingSession(ls.api, target('grouped'), 'grouped');
    await annotateMore(ls.api, session);
    // Group like the service does: the task from the most recently written body, annotations by id.
    const tasks = new Map<number, JsonObject & { annotations: JsonObject[] }>();
    const bodies = recorder.lastPutBodies(BUCKET);
    const order = recorder.requests.filter((r) => r.method === 'PUT' && r.key.startsWith('grouped/')).map((r) => r.key);
    const latestFirst = [...new Set(order.reverse())].filter((key) => bodies.has(key));
    for (const key of latestFirst) {
      const { task, ...annotation } = JSON.parse(bodies.get(key)!.toString()) as JsonObject & {
        task: JsonObject & { id: number };
      };
      const entry = tasks.get(task.id) ?? { ...task, annotations: [] };
      entry.annotations.push({ ...annotation, task: task.id });
      tasks.set(task.id, entry);
    }
    const exported = await ls.api.exportProject(session.projectId);
    expect(exportDifferences([...tasks.values()], exported, { from: 'storage-bodies' })).toEqual([]);
    // The export leaves out the task whose only annotation was deleted, and the tasks never annotated.
    expect(exported.map((t) => t.id).sort()).toEqual([...tasks.keys()].sort());
    expect(exported).toHaveLength(4);
  });

  it('Source storage (presign=false) imports the JSON task files directly under its prefix', async () => {
    await putObject('import/one.json', JSON.stringify({ data: { text: 'from one' } }));
    await putObject('import/two.json', JSON.stringify([{ data: { text: 'two a' } }, { data: { text: 'two b' } }]));
    await putObject('import/deeper/three.json', JSON.stringify({ data: { text: 'not imported' } }));
    const project = await ls.api.createProject('source', '<View><Text name="text" value="$text"/></View>');
    const source = {
      project: project.id,
      bucket: BUCKET,
      prefix: 'import',
      s3_endpoint: recorder.url,
      aws_access_key_id: moto.accessKeyId,
      aws_secret_access_key: moto.secretAccessKey,
    };
    await ls.api.validateImportStorage(source);
    const storage = await ls.api.createImportStorage(source);
    expect(storage.status).toBe('initialized'); // no sync on creation, unlike Target storage
    const synced = await ls.api.syncImportStorage(storage.id);
    expect(synced).toMatchObject({ status: 'completed', last_sync_count: 3 });
    const texts = (await ls.api.listTasks(project.id)).map((t) => t.data.text).sort();
    expect(texts).toEqual(['from one', 'two a', 'two b']);
    // ListObjects v1 with a delimiter (hence no recursion), then a GetObject per file.
    const list = recorder.requests.find((r) => r.method === 'GET' && r.query.includes('prefix=import%2F'));
    expect(list?.query).toBe('prefix=import%2F&delimiter=%2F&encoding-type=url');
    expect(sent('GET', 'import/two.json')[0].headers['x-amz-checksum-mode']).toBe('ENABLED');
  });

  it('when the S3 endpoint is down, saving an annotation answers 500 but Label Studio keeps it; a delete is refused', async () => {
    const dying = await startS3Recorder(moto.endpoint);
    const project = await ls.api.createProject(
      'endpoint down',
      '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices></View>',
    );
    await ls.api.importTasks(project.id, [{ data: { text: 'x' } }]);
    const [task] = await ls.api.listTasks(project.id);
    await ls.api.createExportStorage({
      project: project.id,
      bucket: BUCKET,
      prefix: 'down',
      s3_endpoint: dying.url,
      aws_access_key_id: 'a',
      aws_secret_access_key: 'b',
      can_delete_objects: true,
    });
    const kept = await ls.api.createAnnotation(task.id, { result: choice('pos') });
    await dying.stop();
    const failure = await ls.api.createAnnotation(task.id, { result: choice('neg') }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(LabelStudioApiError);
    expect((failure as LabelStudioApiError).status).toBe(500);
    await expect(ls.api.deleteAnnotation(kept.id)).rejects.toMatchObject({ status: 500 });
    const [exported] = await ls.api.exportProject(project.id);
    expect(exported.annotations).toHaveLength(2); // both kept: the failed PUT did not undo the save, nor the delete happen
  });
});

describe('Label Studio Target storage, task format (FUTURE_SAVE_TASK_TO_STORAGE=true)', () => {
  let ls: RunningLabelStudio;
  beforeAll(async () => {
    ls = await startLabelStudio({ env: { FUTURE_SAVE_TASK_TO_STORAGE: 'true' } });
    stops.push(() => ls.stop());
  });

  it('one object per task, <prefix>/<task id>.json, holding the task as the JSON export has it', async () => {
    const session = await labelingSession(ls.api, target('tasks'), 'task format');
    await annotateMore(ls.api, session);
    const objects = await stored('tasks/');
    const annotatedTasks = [...new Set([...session.live.values()].map((a) => a.task))];
    expect([...objects.keys()].sort()).toEqual(annotatedTasks.map((id) => taskKey('tasks', id)).sort());
    const tasks = [...objects.values()].map((body) => JSON.parse(body.toString()) as JsonObject);
    const exported = await ls.api.exportProject(session.projectId);
    expect(exportDifferences(tasks, exported, { from: 'storage-bodies' })).toEqual([]);
  });

  it('deleting one annotation deletes the whole task object, even when the task keeps others; Sync writes it back', async () => {
    const session = await labelingSession(ls.api, target('taskdel'), 'task delete');
    const taskWithTwo = session.taskIds[1];
    const key = taskKey('taskdel', taskWithTwo);
    const [first] = [...session.live.values()].filter((a) => a.task === taskWithTwo);
    await ls.api.deleteAnnotation(first.id);
    expect((await stored('taskdel/')).has(key)).toBe(false);
    await ls.api.syncExportStorage(session.storage.id);
    const back = JSON.parse((await stored('taskdel/')).get(key)!.toString()) as { annotations: JsonObject[] };
    expect(back.annotations).toHaveLength(1);
  });
});

function signedHeaders(request: RecordedRequest): string[] {
  return /SignedHeaders=([^,]+)/.exec(request.headers.authorization ?? '')?.[1].split(';') ?? [];
}
