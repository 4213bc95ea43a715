/** Values as `JSON.parse` returns them. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Label Studio task ids are integers; other producers may use strings. Both are kept as they are. */
export type TaskId = number | string;

/** One task in the shape of Label Studio's JSON export: its own fields plus the list of its annotations. */
export interface ExportTask extends JsonObject {
  id: TaskId;
  annotations: JsonObject[];
}

/** What the dataset is, chosen by the extension of DVC_DATASET_PATH. */
export type DatasetLayoutKind = 'json' | 'jsonl' | 'directory';

/** An object left out of a JSON/JSONL dataset (it stays in storage); the sync status lists these. */
export interface RejectedObject {
  key: string;
  reason: string;
}

/** The dataset file of the JSON/JSONL layouts, ready to hash and push. */
export interface TaskFileBuild {
  content: Buffer;
  /** The tasks written, in file order (by id). The sync engine keeps them as the next merge base. */
  tasks: readonly ExportTask[];
  rejected: RejectedObject[];
  taskCount: number;
  annotationCount: number;
}

/** What the directory layout records about one file: enough for the `.dir` object and the `.dvc` size. */
export interface ManifestEntry {
  md5: string;
  size: number;
}

/** The directory layout: DVC relpath → file. */
export type Manifest = ReadonlyMap<string, ManifestEntry>;
