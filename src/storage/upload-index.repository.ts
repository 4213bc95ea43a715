import type Database from 'better-sqlite3';
import { pickHeaders } from './object-headers.js';
import type { IndexTables } from './object-index.schema.js';
import type {
  CreateUploadInput,
  ListUploadsQuery,
  MultipartUpload,
  ObjectHeaders,
  PartMeta,
} from './storage.backend.js';

interface UploadRow {
  upload_id: string;
  key: Buffer;
  initiated: number;
  headers: string;
  checksum_algorithm: string | null;
  checksum_type: string | null;
}

interface PartRow {
  part_number: number;
  size: number;
  md5: string;
  last_modified: number;
  checksums: string;
  file: string;
}

/** A stored part and the file (under the upload's folder) that holds its bytes. */
export interface StoredPart extends PartMeta {
  file: string;
}

const UPLOAD_COLUMNS = 'upload_id, key, initiated, headers, checksum_algorithm, checksum_type';
const PART_COLUMNS = 'part_number, size, md5, last_modified, checksums, file';

/**
 * One bucket's `uploads` and `upload_parts` tables (object-index.schema.ts), on its index's connection. Every write
 * is one transaction, committed when it returns and durable once the index's `durable()` resolves.
 */
export class UploadIndex {
  constructor(
    private readonly db: Database.Database,
    private readonly t: IndexTables,
  ) {}

  create(upload: MultipartUpload): void {
    const headers = JSON.stringify(pickHeaders(upload));
    this.db
      .prepare(`INSERT INTO ${this.t.uploads} (${UPLOAD_COLUMNS}, last_activity) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(
        upload.uploadId,
        Buffer.from(upload.key, 'utf8'),
        upload.initiated.getTime(),
        headers,
        upload.checksumAlgorithm ?? null,
        upload.checksumType ?? null,
        upload.initiated.getTime(),
      );
  }

  get(uploadId: string): MultipartUpload | undefined {
    const row = this.db
      .prepare<[string], UploadRow>(`SELECT ${UPLOAD_COLUMNS} FROM ${this.t.uploads} WHERE upload_id = ?`)
      .get(uploadId);
    return row && rowToUpload(row);
  }

  /** Every upload id with a row: what recovery keeps of the folders under DATA_DIR/uploads. */
  ids(): Set<string> {
    return new Set(this.db.prepare<[], string>(`SELECT upload_id FROM ${this.t.uploads}`).pluck().all());
  }

  list(query: ListUploadsQuery): MultipartUpload[] {
    const prefix = Buffer.from(query.prefix, 'utf8');
    const marker = query.keyMarker === undefined ? undefined : Buffer.from(query.keyMarker, 'utf8');
    // Ordered by key bytes, then initiation: the upload-id marker is resolved to its place in that order.
    const markerUpload = query.uploadIdMarker === undefined ? undefined : this.get(query.uploadIdMarker);
    const rows = this.db
      .prepare<[Buffer], UploadRow>(
        `SELECT ${UPLOAD_COLUMNS} FROM ${this.t.uploads} WHERE key >= ? ORDER BY key, initiated, upload_id`,
      )
      .iterate(marker && Buffer.compare(marker, prefix) > 0 ? marker : prefix);
    const result: MultipartUpload[] = [];
    for (const row of rows) {
      if (result.length >= query.limit) break;
      if (!row.key.subarray(0, prefix.length).equals(prefix)) break;
      if (marker) {
        const order = Buffer.compare(row.key, marker);
        if (order < 0) continue;
        if (order === 0) {
          // S3: with only a key marker, uploads of that very key are skipped; with an upload-id marker too,
          // those initiated after the marker's upload are listed.
          if (!markerUpload || markerUpload.key !== query.keyMarker) continue;
          const after =
            row.initiated > markerUpload.initiated.getTime() ||
            (row.initiated === markerUpload.initiated.getTime() && row.upload_id > markerUpload.uploadId);
          if (!after) continue;
        }
      }
      result.push(rowToUpload(row));
    }
    return result;
  }

  parts(uploadId: string, afterPart = 0, limit = -1): StoredPart[] {
    return this.db
      .prepare<[string, number, number], PartRow>(
        `SELECT ${PART_COLUMNS} FROM ${this.t.uploadParts} WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?`,
      )
      .all(uploadId, afterPart, limit)
      .map(rowToPart);
  }

  /**
   * Records a part whose file is durable; false (nothing written) when the upload is gone meanwhile.
   * Resolves the file of the part it replaces, if any, for the caller to remove.
   */
  putPart(uploadId: string, part: StoredPart): { replaced?: string } | false {
    return this.db.transaction((): { replaced?: string } | false => {
      const touched = this.db
        .prepare(`UPDATE ${this.t.uploads} SET last_activity = ? WHERE upload_id = ?`)
        .run(part.lastModified.getTime(), uploadId);
      if (touched.changes === 0) return false;
      const old = this.db
        .prepare<[string, number], string>(
          `SELECT file FROM ${this.t.uploadParts} WHERE upload_id = ? AND part_number = ?`,
        )
        .pluck()
        .get(uploadId, part.partNumber);
      this.db
        .prepare(
          `INSERT INTO ${this.t.uploadParts} (upload_id, ${PART_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (upload_id, part_number) DO UPDATE SET size = excluded.size, md5 = excluded.md5,
           last_modified = excluded.last_modified, checksums = excluded.checksums, file = excluded.file`,
        )
        .run(
          uploadId,
          part.partNumber,
          part.size,
          part.md5,
          part.lastModified.getTime(),
          JSON.stringify(part.checksums),
          part.file,
        );
      return old === undefined ? {} : { replaced: old };
    })();
  }

  /** Removes the upload and its part rows; false when there was none. */
  remove(uploadId: string): boolean {
    return this.db.transaction((): boolean => {
      this.db.prepare(`DELETE FROM ${this.t.uploadParts} WHERE upload_id = ?`).run(uploadId);
      return this.db.prepare(`DELETE FROM ${this.t.uploads} WHERE upload_id = ?`).run(uploadId).changes > 0;
    })();
  }

  /** Uploads with no creation or part since `before` (epoch ms). */
  idleSince(before: number): MultipartUpload[] {
    return this.db
      .prepare<[number], UploadRow>(`SELECT ${UPLOAD_COLUMNS} FROM ${this.t.uploads} WHERE last_activity < ?`)
      .all(before)
      .map(rowToUpload);
  }

  /** Whether the upload still exists with no activity since `before` (epoch ms). */
  isIdle(uploadId: string, before: number): boolean {
    const last = this.db
      .prepare<[string], number>(`SELECT last_activity FROM ${this.t.uploads} WHERE upload_id = ?`)
      .pluck()
      .get(uploadId);
    return last !== undefined && last < before;
  }

  /** Part rows whose file is missing are dropped (their bytes never became durable). */
  dropPart(uploadId: string, partNumber: number): void {
    this.db
      .prepare(`DELETE FROM ${this.t.uploadParts} WHERE upload_id = ? AND part_number = ?`)
      .run(uploadId, partNumber);
  }
}

function rowToUpload(row: UploadRow): MultipartUpload {
  const upload: MultipartUpload = {
    ...(JSON.parse(row.headers) as ObjectHeaders),
    uploadId: row.upload_id,
    key: row.key.toString('utf8'),
    initiated: new Date(row.initiated),
  };
  if (row.checksum_algorithm !== null) upload.checksumAlgorithm = row.checksum_algorithm;
  if (row.checksum_type !== null) upload.checksumType = row.checksum_type as CreateUploadInput['checksumType'];
  return upload;
}

function rowToPart(row: PartRow): StoredPart {
  return {
    partNumber: row.part_number,
    size: row.size,
    md5: row.md5,
    lastModified: new Date(row.last_modified),
    checksums: JSON.parse(row.checksums) as Record<string, string>,
    file: row.file,
  };
}
