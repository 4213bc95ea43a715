import type { DatasetLayoutKind } from './dataset.types.js';

/**
 * `.json` → one Label Studio JSON export file, `.jsonl` → the same tasks one per line, anything else → a
 * directory mirroring the bucket (.env.example, DVC_DATASET_PATH). The extension is compared without case:
 * `Annotations.JSON` is as much a JSON file to the people who read it.
 */
export function datasetLayout(datasetPath: string): DatasetLayoutKind {
  const lower = datasetPath.toLowerCase();
  if (lower.endsWith('.jsonl')) return 'jsonl';
  if (lower.endsWith('.json')) return 'json';
  return 'directory';
}
