import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir } from '../common/fsync-dir.js';
import type { IndexDatabase } from './index-database.js';
import { ObjectIndex } from './object-index.repository.js';
import { indexTables, type IndexTables } from './object-index.schema.js';

/** What a project's own index file becomes once the shared database holds its tables (kept for the operator). */
export const IMPORTED_SUFFIX = '.imported';

const TABLES = ['objects', 'changes', 'intents', 'stats', 'uploads', 'uploadParts'] as const;
/** AUTOINCREMENT tables: their counters move too, so that no seq or intent id is ever given twice. */
const SEQUENCED = ['changes', 'intents'] as const;

/**
 * The tables of `bucket`'s index in the shared database: the ones it has, or its own index file's (`legacyPath`,
 * DATA_DIR/projects/<bucket>/state/storage.db of a release before the shared database) imported, or new empty ones.
 *
 * The import is one transaction: the bucket's number, its tables, every row of every table and the AUTOINCREMENT
 * counters (so seqs continue, and the sync state's journal position stays valid). Either it commits and the
 * tables are authoritative, or nothing of it exists and the old file still is. The old file is renamed only once
 * the import is durable (`retireLegacyIndex`), so at any crash one of the two holds every row:
 * - before the commit: no tables for the bucket; the next start imports the old file again, from scratch;
 * - after it (the old file still in place): the tables exist, so the old file is no longer read, only renamed.
 */
export function bucketIndexTables(database: IndexDatabase, bucket: string, legacyPath: string): IndexTables {
  const found = database.bucketTables(bucket);
  if (found) return found;
  const db = database.db;
  if (!existsSync(legacyPath)) return db.transaction(() => database.addBucket(bucket))();
  // The old file alone first: its schema brought up to this release's, its WAL (after a crash) folded in and
  // removed by the close, so that the attached file is the whole index and reads the columns this one writes.
  ObjectIndex.alone(legacyPath).close();
  db.prepare('ATTACH DATABASE ? AS legacy').run(legacyPath);
  try {
    return db.transaction(() => {
      const tables = database.addBucket(bucket);
      const legacy = indexTables('');
      for (const table of TABLES) {
        const columns = columnsOf(db, legacy[table]);
        // stats: the triggers counted the objects while they were copied; the copy also brings `key_paths`.
        const insert = table === 'stats' ? 'INSERT OR REPLACE' : 'INSERT';
        db.exec(`${insert} INTO main.${tables[table]} (${columns}) SELECT ${columns} FROM legacy.${legacy[table]}`);
      }
      for (const table of SEQUENCED) {
        db.prepare('DELETE FROM main.sqlite_sequence WHERE name = ?').run(tables[table]);
        db.prepare(
          'INSERT INTO main.sqlite_sequence (name, seq) SELECT ?, seq FROM legacy.sqlite_sequence WHERE name = ?',
        ).run(tables[table], legacy[table]);
      }
      return tables;
    })();
  } finally {
    db.exec('DETACH DATABASE legacy');
  }
}

/**
 * Once the shared database durably holds `bucket`'s tables, renames its old index file out of the way (to
 * `storage.db.imported`, which the operator may delete). Call after `database.durable()`. True if it renamed.
 */
export async function retireLegacyIndex(database: IndexDatabase, bucket: string, legacyPath: string): Promise<boolean> {
  if (!existsSync(legacyPath) || !database.bucketTables(bucket)) return false;
  for (const suffix of ['-wal', '-shm']) await rm(`${legacyPath}${suffix}`, { force: true });
  await rename(legacyPath, `${legacyPath}${IMPORTED_SUFFIX}`);
  await fsyncDir(dirname(legacyPath));
  return true;
}

/** The column names of a legacy table, as a list for INSERT … SELECT (columns added later sit at its end). */
function columnsOf(db: Database.Database, table: string): string {
  return db
    .prepare<[], { name: string }>(`PRAGMA legacy.table_info(${table})`)
    .all()
    .map((c) => c.name)
    .join(', ');
}
