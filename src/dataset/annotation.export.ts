import type { JsonObject, JsonValue } from './dataset.types.js';
import { isJsonObject } from './safe-json.parse.js';

/**
 * Annotation fields a storage body has and Label Studio's JSON export does not
 * (io_storages/serializers.py `StorageAnnotationSerializer` adds them; data_export/serializers.py does not).
 * `created_ago` is also volatile ("0 minutes", relative to when the body was written).
 */
const BODY_ONLY = new Set(['created_username', 'created_ago']);

/**
 * One annotation as Label Studio's JSON export writes it, from a storage body:
 * - `completed_by` is the user id (export: `PrimaryKeyRelatedField`), where bodies carry the user object;
 * - `result_count` is what Label Studio stores on save (tasks/models.py `Annotation.save`: the number of
 *   distinct result ids), added when the body lacks it;
 * - body-only fields are dropped. Key order is kept, so the file stays stable across flushes.
 */
export function exportAnnotation(annotation: JsonObject): JsonObject {
  const entries: Array<[string, JsonValue]> = [];
  for (const [name, value] of Object.entries(annotation)) {
    if (BODY_ONLY.has(name)) continue;
    if (name === 'completed_by' && isJsonObject(value) && value.id !== undefined) entries.push([name, value.id]);
    else entries.push([name, value]);
  }
  if (!Object.hasOwn(annotation, 'result_count') && Array.isArray(annotation.result)) {
    const ids = new Set(annotation.result.map((item) => (isJsonObject(item) ? item.id : undefined)));
    entries.push(['result_count', ids.size]);
  }
  return Object.fromEntries(entries);
}
