import type { ExportedTask, Json, JsonObject } from './label-studio-client.js';

/**
 * THE list of fields not compared when a dataset built from Target storage bodies is checked against Label Studio's
 * own JSON export (`GET /api/projects/{id}/export?exportType=JSON`), each with the reason. Measured on 1.23.2,
 * see docs/label-studio.md. Every other field must be present on both sides with equal values.
 */
export const NOT_COMPARED = {
  task: {
    drafts: 'export only: drafts are never written to Target storage',
    predictions: 'export only: predictions are never written to Target storage',
    is_labeled: 'storage body only (StorageAnnotationSerializer task fields), not in the export',
    overlap: 'storage body only, not in the export',
    precomputed_agreement: 'storage body only, not in the export',
    file_upload: 'storage body only, not in the export',
    updated_at:
      'volatile: the body of an annotation create/update carries the task as it was just before Label Studio ' +
      'touched the task for that annotation; the export shows the later value (equal again after a Sync)',
    updated_by: 'volatile, same reason: null in the body of the first annotation of a task, the user id in the export',
  },
  annotation: {
    unique_id: 'export only: not in the default per-annotation body',
    prediction: 'export only: not in the default per-annotation body',
  },
} as const;

/**
 * Raw storage bodies (what Label Studio PUT, e.g. the files of the directory layout) differ from the export in
 * shape; the JSON dataset does not: it writes `completed_by` and `task` as ids, adds `result_count` and drops the
 * body-only fields, so a dataset file is compared with `from: 'dataset'` and none of this is forgiven.
 */
const BODY_ONLY_ANNOTATION = {
  created_ago: 'storage body only, and volatile: "0\u00a0minutes" relative to when the body was written',
  created_username: 'storage body only (" <email>, <user id>")',
  result_count: 'export only: not in the default per-annotation body',
} as const;

/** In raw bodies `completed_by` is the user object `{id, first_name, last_name, email}`; the export has the id. */
function bodyAnnotationField(name: string, value: Json): Json {
  if (
    (name === 'completed_by' || name === 'task') &&
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value)
  ) {
    return value.id ?? null;
  }
  return value;
}

/**
 * Every difference between a dataset (an array of tasks in the export shape) and Label Studio's export, as readable
 * lines; `[]` when they agree task by task and annotation by annotation. Tasks and annotations are matched by id.
 */
export function exportDifferences(
  dataset: unknown,
  exported: readonly ExportedTask[],
  { from }: { from: 'dataset' | 'storage-bodies' } = { from: 'dataset' },
): string[] {
  const skippedAnnotationFields =
    from === 'dataset' ? NOT_COMPARED.annotation : { ...NOT_COMPARED.annotation, ...BODY_ONLY_ANNOTATION };
  const annotationField = from === 'dataset' ? (_name: string, value: Json) => value : bodyAnnotationField;
  if (!Array.isArray(dataset))
    return [`the dataset is not a JSON array of tasks: ${JSON.stringify(dataset)?.slice(0, 200)}`];
  const out: string[] = [];
  const ours = byId(dataset as JsonObject[], 'dataset task', out);
  const theirs = byId(exported as unknown as JsonObject[], 'export task', out);
  for (const id of new Set([...ours.keys(), ...theirs.keys()])) {
    const mine = ours.get(id);
    const reference = theirs.get(id);
    if (!mine || !reference) {
      out.push(`task ${id}: ${mine ? 'only in the dataset' : 'missing from the dataset'}`);
      continue;
    }
    compareFields(`task ${id}`, mine, reference, NOT_COMPARED.task, ['annotations'], (_n, v) => v, out);
    const myAnnotations = byId(asObjects(mine.annotations), `task ${id} dataset annotation`, out);
    const theirAnnotations = byId(asObjects(reference.annotations), `task ${id} export annotation`, out);
    for (const annotationId of new Set([...myAnnotations.keys(), ...theirAnnotations.keys()])) {
      const a = myAnnotations.get(annotationId);
      const b = theirAnnotations.get(annotationId);
      const where = `task ${id} annotation ${annotationId}`;
      if (!a || !b)
        out.push(`${where}: ${a ? 'only in the dataset (deleted in Label Studio?)' : 'missing from the dataset'}`);
      else compareFields(where, a, b, skippedAnnotationFields, [], annotationField, out);
    }
  }
  return out;
}

function compareFields(
  where: string,
  mine: JsonObject,
  reference: JsonObject,
  skipped: Record<string, string>,
  separately: string[],
  normalize: (name: string, value: Json) => Json,
  out: string[],
) {
  for (const name of new Set([...Object.keys(mine), ...Object.keys(reference)])) {
    if (name in skipped || separately.includes(name)) continue;
    if (!(name in mine))
      out.push(`${where}: field "${name}" missing from the dataset (export: ${show(reference[name])})`);
    else if (!(name in reference))
      out.push(`${where}: field "${name}" is not in the export (dataset: ${show(mine[name])})`);
    else if (!jsonEqual(normalize(name, mine[name]), normalize(name, reference[name]))) {
      out.push(`${where}: "${name}" is ${show(mine[name])} in the dataset, ${show(reference[name])} in the export`);
    }
  }
}

function byId(items: JsonObject[], what: string, out: string[]): Map<string, JsonObject> {
  const map = new Map<string, JsonObject>();
  for (const item of items) {
    const id = JSON.stringify(item?.id);
    if (map.has(id)) out.push(`${what} ${id} appears twice`);
    map.set(id, item);
  }
  return map;
}

function asObjects(value: Json | undefined): JsonObject[] {
  return Array.isArray(value) ? (value as JsonObject[]) : [];
}

/** Deep equality of parsed JSON, object key order ignored (the export and Python's json.dumps order keys alike anyway). */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const ob = b as JsonObject;
  return ka.length === kb.length && ka.every((k) => k in ob && jsonEqual((a as JsonObject)[k], ob[k]));
}

const show = (value: Json | undefined) => JSON.stringify(value)?.slice(0, 300);
