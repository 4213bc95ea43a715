import { unquoteETag } from '../../storage/multipart.rules.js';
import type { ObjectMeta, RequestedPart } from '../../storage/storage.backend.js';

const KEEP_MS = 60 * 60 * 1000;
const MAX_ENTRIES = 1000;

interface Completion {
  key: string;
  parts: string;
  meta: ObjectMeta;
  at: number;
}

function signature(parts: RequestedPart[]): string {
  return parts.map((p) => `${p.partNumber}:${unquoteETag(p.etag)}`).join(',');
}

/**
 * CompleteMultipartUpload answered recently, so that a client retrying it (its answer was lost, or it timed out
 * while the object was assembled) gets the same success instead of NoSuchUpload, as from S3, which keeps a
 * completed upload's answer for a while. In memory: bounded in size and age; a restart forgets it.
 */
export class RecentCompletions {
  private readonly entries = new Map<string, Completion>();

  remember(uploadId: string, key: string, parts: RequestedPart[], meta: ObjectMeta, now = Date.now()): void {
    for (const [id, entry] of this.entries) {
      if (this.entries.size < MAX_ENTRIES && now - entry.at <= KEEP_MS) break; // oldest first: the rest are newer
      this.entries.delete(id);
    }
    this.entries.set(uploadId, { key, parts: signature(parts), meta, at: now });
  }

  /** The object a same request completed, if it did so recently (the caller checks it is still the current one). */
  find(uploadId: string, key: string, parts: RequestedPart[], now = Date.now()): ObjectMeta | undefined {
    const entry = this.entries.get(uploadId);
    if (!entry || entry.key !== key || entry.parts !== signature(parts) || now - entry.at > KEEP_MS) return undefined;
    return entry.meta;
  }
}
