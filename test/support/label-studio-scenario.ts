import type { Annotation, LabelStudioClient, Region, Storage } from './label-studio-client.js';

/** A text classification project, the most common Label Studio setup. */
export const LABEL_CONFIG =
  '<View><Text name="text" value="$text"/>' +
  '<Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices></View>';

export const choice = (value: 'pos' | 'neg'): Region[] => [
  { from_name: 'sentiment', to_name: 'text', type: 'choices', value: { choices: [value] } },
];

/** Texts that exercise the bodies: non-ASCII (Python escapes it as \uXXXX), astral characters, quotes, newlines. */
export const TASK_TEXTS = [
  'plain text',
  'café crème ☕',
  'emoji 🙂 and "quotes"',
  'line\nbreak \\ backslash',
  'fifth',
  'sixth',
];

/** Where Label Studio's Target storage writes. */
export interface Target {
  endpoint: string;
  bucket: string;
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  region?: string;
}

export interface Session {
  projectId: number;
  taskIds: number[];
  storage: Storage;
  /** Annotations that exist in Label Studio, by id (kept up to date by the helpers below). */
  live: Map<number, Annotation>;
  updatedId: number;
  deletedId: number;
}

/**
 * A labeling session: a project with tasks; one annotation made before the Target storage exists
 * (storage creation syncs it); then create, update one, delete one, and press Sync.
 */
export async function labelingSession(api: LabelStudioClient, target: Target, title: string): Promise<Session> {
  const project = await api.createProject(title, LABEL_CONFIG);
  await api.importTasks(
    project.id,
    TASK_TEXTS.map((text) => ({ data: { text } })),
  );
  const taskIds = (await api.listTasks(project.id)).map((t) => t.id);
  const live = new Map<number, Annotation>();
  const annotate = async (task: number, value: 'pos' | 'neg') => {
    const created = await api.createAnnotation(task, { result: choice(value), lead_time: 2.5 });
    live.set(created.id, created);
    return created;
  };
  await annotate(taskIds[0], 'pos');
  const connection = {
    project: project.id,
    bucket: target.bucket,
    prefix: target.prefix,
    s3_endpoint: target.endpoint,
    aws_access_key_id: target.accessKeyId,
    aws_secret_access_key: target.secretAccessKey,
    region_name: target.region ?? 'us-east-1',
    can_delete_objects: true,
  };
  await api.validateExportStorage(connection);
  const storage = await api.createExportStorage(connection);
  const updated = await annotate(taskIds[1], 'pos');
  await annotate(taskIds[1], 'neg'); // a second annotation on the same task
  const deleted = await annotate(taskIds[2], 'neg'); // the only one of its task: the task leaves the export
  await annotate(taskIds[3], 'pos');
  live.set(updated.id, await api.updateAnnotation(updated.id, { result: choice('neg'), lead_time: 7.25 }));
  await api.deleteAnnotation(deleted.id);
  live.delete(deleted.id);
  const synced = await api.syncExportStorage(storage.id);
  if (synced.status !== 'completed') throw new Error(`Sync ended ${synced.status}: ${JSON.stringify(synced)}`);
  return { projectId: project.id, taskIds, storage, live, updatedId: updated.id, deletedId: deleted.id };
}

/** More work after the Sync: a new task's first annotation and one more on a task that has two. */
export async function annotateMore(api: LabelStudioClient, session: Session): Promise<Annotation[]> {
  const more = [
    await api.createAnnotation(session.taskIds[4], { result: choice('pos') }),
    await api.createAnnotation(session.taskIds[1], { result: choice('pos'), ground_truth: true }),
  ];
  for (const annotation of more) session.live.set(annotation.id, annotation);
  return more;
}

/** The default Target storage key: the prefix verbatim, '/', the annotation id (so prefix `x/` gives `x//17`). */
export const annotationKey = (prefix: string, annotationId: number) =>
  prefix ? `${prefix}/${annotationId}` : String(annotationId);

/** The task-format key (FUTURE_SAVE_TASK_TO_STORAGE): `<prefix>/<task id>.json`. */
export const taskKey = (prefix: string, taskId: number) => (prefix ? `${prefix}/${taskId}.json` : `${taskId}.json`);
