import type { S3KeyPair } from '../../config/project.settings.js';
import type { StorageBackend } from '../../storage/storage.backend.js';

/** One bucket this server answers for: a project's bucket, the pair that may use it, and its storage. */
export interface ServedBucket {
  bucket: string;
  /** The project's own pair, the only one accepted for this bucket; undefined: the global pair. */
  keys?: S3KeyPair;
  storage: StorageBackend;
}

/**
 * The buckets served (DI token; one per project, provided by the projects registry). The S3 layer resolves every
 * request's bucket here: an unknown name is NoSuchBucket, and nothing of another bucket is ever reached.
 */
export abstract class ServedBuckets {
  abstract find(bucket: string): ServedBucket | undefined;
  abstract all(): readonly ServedBucket[];
}
