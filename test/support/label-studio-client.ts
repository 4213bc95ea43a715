/**
 * A small typed client for the parts of Label Studio's REST API the tests drive (checked on 1.23.2).
 * Every call throws `LabelStudioApiError` (method, path, status, body) on a non-2xx answer.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Project extends JsonObject {
  id: number;
  title: string;
}

export interface Task extends JsonObject {
  id: number;
  data: JsonObject;
}

/** One region of an annotation, e.g. `{ from_name, to_name, type: 'choices', value: { choices: ['pos'] } }`. */
export type Region = JsonObject;

export interface AnnotationInput {
  result: Region[];
  was_cancelled?: boolean;
  ground_truth?: boolean;
  lead_time?: number;
}

export interface Annotation extends JsonObject {
  id: number;
  result: Region[];
  task: number;
}

/** One task of `GET /api/projects/{id}/export?exportType=JSON`. */
export interface ExportedTask extends JsonObject {
  id: number;
  annotations: Array<JsonObject & { id: number }>;
}

export type StorageStatus = 'initialized' | 'queued' | 'in_progress' | 'failed' | 'completed' | 'completed_with_errors';

export interface Storage extends JsonObject {
  id: number;
  status: StorageStatus;
  last_sync_count: number | null;
  traceback: string | null;
}

interface S3Connection {
  project: number;
  bucket: string;
  prefix?: string;
  s3_endpoint: string;
  aws_access_key_id: string;
  aws_secret_access_key: string;
  region_name?: string;
  title?: string;
}

/** Target storage: Label Studio PUTs every annotation (or task) under `prefix`. */
export interface S3ExportStorageInput extends S3Connection {
  can_delete_objects?: boolean;
}

/** Source storage: Label Studio lists `prefix` and imports each JSON file as task(s). */
export interface S3ImportStorageInput extends S3Connection {
  presign?: boolean;
  use_blob_urls?: boolean;
  recursive_scan?: boolean;
  regex_filter?: string;
}

export class LabelStudioApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`Label Studio ${method} ${path} → ${status}: ${body.slice(0, 2000)}`);
  }
}

export class LabelStudioClient {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  createProject(title: string, labelConfig: string): Promise<Project> {
    return this.call('POST', '/api/projects/', { title, label_config: labelConfig });
  }

  importTasks(projectId: number, tasks: Array<{ data: JsonObject }>): Promise<{ task_count: number }> {
    return this.call('POST', `/api/projects/${projectId}/import`, tasks);
  }

  /** Every task of the project, oldest first (follows the pagination). */
  async listTasks(projectId: number): Promise<Task[]> {
    const tasks: Task[] = [];
    for (let page = 1; ; page++) {
      const answer = await this.call<{ tasks: Task[]; total: number }>(
        'GET',
        `/api/tasks?project=${projectId}&page=${page}&page_size=100`,
      );
      tasks.push(...answer.tasks);
      if (answer.tasks.length === 0 || tasks.length >= answer.total) return tasks;
    }
  }

  createAnnotation(taskId: number, annotation: AnnotationInput): Promise<Annotation> {
    return this.call('POST', `/api/tasks/${taskId}/annotations/`, annotation);
  }

  getAnnotation(annotationId: number): Promise<Annotation> {
    return this.call('GET', `/api/annotations/${annotationId}/`);
  }

  updateAnnotation(annotationId: number, patch: Partial<AnnotationInput>): Promise<Annotation> {
    return this.call('PATCH', `/api/annotations/${annotationId}/`, patch);
  }

  async deleteAnnotation(annotationId: number): Promise<void> {
    await this.call('DELETE', `/api/annotations/${annotationId}/`);
  }

  /** Creating it also syncs the existing annotations (SYNC_ON_TARGET_STORAGE_CREATION, default on). */
  createExportStorage(input: S3ExportStorageInput): Promise<Storage> {
    return this.call('POST', '/api/storages/export/s3', { title: 'target', region_name: 'us-east-1', ...input });
  }

  /** "Check connection": lists the bucket (ListObjectsV2, prefix, max-keys=1); throws when that fails. */
  async validateExportStorage(input: S3ExportStorageInput): Promise<void> {
    await this.call('POST', '/api/storages/export/s3/validate', {
      title: 'target',
      region_name: 'us-east-1',
      ...input,
    });
  }

  /** "Sync": without Redis it runs inside the request, so it answers when every PUT was attempted. */
  syncExportStorage(storageId: number): Promise<Storage> {
    return this.call('POST', `/api/storages/export/s3/${storageId}/sync`);
  }

  getExportStorage(storageId: number): Promise<Storage> {
    return this.call('GET', `/api/storages/export/s3/${storageId}`);
  }

  createImportStorage(input: S3ImportStorageInput): Promise<Storage> {
    return this.call('POST', '/api/storages/s3/', {
      title: 'source',
      region_name: 'us-east-1',
      presign: false,
      use_blob_urls: false,
      ...input,
    });
  }

  /** Needs at least one object under the prefix (KeyCount ≥ 1), unlike the Target check. */
  async validateImportStorage(input: S3ImportStorageInput): Promise<void> {
    await this.call('POST', '/api/storages/s3/validate', {
      title: 'source',
      region_name: 'us-east-1',
      presign: false,
      use_blob_urls: false,
      ...input,
    });
  }

  syncImportStorage(storageId: number): Promise<Storage> {
    return this.call('POST', `/api/storages/s3/${storageId}/sync`);
  }

  getImportStorage(storageId: number): Promise<Storage> {
    return this.call('GET', `/api/storages/s3/${storageId}`);
  }

  /**
   * Label Studio's own JSON export (a file download, `Content-Type: application/.json`): by default only the
   * tasks that have annotations, as in the dataset file; `allTasks` adds the others.
   */
  exportProject(projectId: number, options: { allTasks?: boolean } = {}): Promise<ExportedTask[]> {
    const all = options.allTasks ? '&download_all_tasks=true' : '';
    return this.call('GET', `/api/projects/${projectId}/export?exportType=JSON${all}`);
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        Authorization: `Token ${this.token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new LabelStudioApiError(method, path, response.status, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
