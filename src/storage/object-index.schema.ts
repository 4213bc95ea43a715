/**
 * A storage index's tables (index-database.ts says in which database), outside the objects folder so that nothing
 * of it is versioned. Alone in its database the names are these; sharing one (PROJECTS_FILE), each bucket's are
 * prefixed by its number (`b3_objects`): every query, seq and listing stays per bucket.
 * - `objects`: one row per visible object; the key is a BLOB so that the primary key is in UTF-8 byte order.
 * - `changes`: the durable journal the sync engine reads; AUTOINCREMENT so that a seq is never reused.
 * - `intents`: a put/delete whose file operation may not have happened yet (rolled forward at startup); a small
 *   put's intent carries its body, so that its answer need not wait for its file's fsync
 *   (local-storage.backend.ts `commit`).
 * - `stats`: the object count, kept by triggers (COUNT(*) would scan the whole table).
 * - `uploads`, `upload_parts`: multipart uploads in progress; a part's bytes are a file under DATA_DIR/uploads.
 */
export interface IndexTables {
  /** '' alone in the database; `b<number>_` sharing one. Never user text. */
  prefix: string;
  objects: string;
  changes: string;
  intents: string;
  stats: string;
  uploads: string;
  uploadParts: string;
}

export function indexTables(prefix: string): IndexTables {
  if (!/^(b[0-9]+_)?$/.test(prefix)) throw new Error(`not an index table prefix: ${prefix}`);
  return {
    prefix,
    objects: `${prefix}objects`,
    changes: `${prefix}changes`,
    intents: `${prefix}intents`,
    stats: `${prefix}stats`,
    uploads: `${prefix}uploads`,
    uploadParts: `${prefix}upload_parts`,
  };
}

/** Every table of one index (IF NOT EXISTS: also what a later release added to an older database). */
export function storageSchema(t: IndexTables): string {
  return `
CREATE TABLE IF NOT EXISTS ${t.objects} (
  key BLOB PRIMARY KEY NOT NULL,
  size INTEGER NOT NULL,
  md5 TEXT NOT NULL,
  last_modified INTEGER NOT NULL,
  content_type TEXT,
  content_encoding TEXT,
  content_disposition TEXT,
  content_language TEXT,
  cache_control TEXT,
  expires TEXT,
  user_metadata TEXT NOT NULL,
  checksums TEXT NOT NULL,
  multipart TEXT,
  seq INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ${t.changes} (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  key BLOB NOT NULL,
  op TEXT NOT NULL CHECK (op IN ('put', 'delete'))
);
CREATE TABLE IF NOT EXISTS ${t.intents} (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  op TEXT NOT NULL CHECK (op IN ('put', 'delete')),
  key BLOB NOT NULL,
  tmp_path TEXT,
  seq INTEGER NOT NULL,
  prev TEXT,
  body BLOB
);
CREATE TABLE IF NOT EXISTS ${t.stats} (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);
INSERT OR IGNORE INTO ${t.stats} (name, value) VALUES ('objects', (SELECT COUNT(*) FROM ${t.objects}));
-- Version of the key → path mapping the files under objects/ follow (see key-path.ts); an empty index is current.
INSERT OR IGNORE INTO ${t.stats} (name, value) VALUES ('key_paths', CASE WHEN (SELECT COUNT(*) FROM ${t.objects}) = 0 THEN 2 ELSE 1 END);
CREATE TRIGGER IF NOT EXISTS ${t.prefix}objects_count_insert AFTER INSERT ON ${t.objects}
  BEGIN UPDATE ${t.stats} SET value = value + 1 WHERE name = 'objects'; END;
CREATE TRIGGER IF NOT EXISTS ${t.prefix}objects_count_delete AFTER DELETE ON ${t.objects}
  BEGIN UPDATE ${t.stats} SET value = value - 1 WHERE name = 'objects'; END;
CREATE TABLE IF NOT EXISTS ${t.uploads} (
  upload_id TEXT PRIMARY KEY NOT NULL,
  key BLOB NOT NULL,
  initiated INTEGER NOT NULL,
  last_activity INTEGER NOT NULL,
  headers TEXT NOT NULL,
  checksum_algorithm TEXT,
  checksum_type TEXT
);
CREATE INDEX IF NOT EXISTS ${t.prefix}uploads_by_key ON ${t.uploads} (key, initiated, upload_id);
CREATE TABLE IF NOT EXISTS ${t.uploadParts} (
  upload_id TEXT NOT NULL,
  part_number INTEGER NOT NULL,
  size INTEGER NOT NULL,
  md5 TEXT NOT NULL,
  last_modified INTEGER NOT NULL,
  checksums TEXT NOT NULL,
  file TEXT NOT NULL,
  PRIMARY KEY (upload_id, part_number)
) WITHOUT ROWID;
`;
}

/** Columns added after the first release, for databases created before them (CREATE TABLE IF NOT EXISTS keeps old tables). */
export const ADDED_COLUMNS: Array<{ table: Exclude<keyof IndexTables, 'prefix'>; column: string; definition: string }> =
  [
    { table: 'objects', column: 'multipart', definition: 'TEXT' },
    { table: 'intents', column: 'body', definition: 'BLOB' },
  ];
