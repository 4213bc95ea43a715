import Database from 'better-sqlite3';
import { closeSync, openSync } from 'node:fs';
import { fsyncFd } from '../common/fsync-dir.js';
import { ancestorKeys } from './key-path.js';
import { listRanges, prefixUpperBound, type KeyRange } from './list-ranges.js';
import { ADDED_COLUMNS, STORAGE_SCHEMA } from './object-index.schema.js';
import { metaToRow, OBJECT_COLUMNS, rowToMeta, type ObjectRow } from './object-row.js';
import { SharedFsync } from './shared-fsync.js';
import type { ListQuery, ObjectChange, ObjectMeta } from './storage.backend.js';
import { StorageError } from './storage.errors.js';
import { UploadIndex } from './upload-index.repository.js';
import { WalCheckpointer } from './wal-checkpointer.js';

/** A journaled change whose file operation (rename into place, unlink) may not have happened yet. */
export interface Intent {
  id: number;
  op: 'put' | 'delete';
  key: string;
  /** put: the fsynced temp file that becomes the object. */
  tmpPath: string | null;
  seq: number;
  /** The row before the change (key aside), to undo it when the file operation fails. */
  prev: PreviousRow | undefined;
}

export type PreviousRow = Omit<ObjectRow, 'key'>;

interface IntentRow {
  id: number;
  op: 'put' | 'delete';
  key: Buffer;
  tmp_path: string | null;
  seq: number;
  prev: string | null;
}

const OBJECT_PLACEHOLDERS = OBJECT_COLUMNS.split(', ')
  .map((c) => `@${c}`)
  .join(', ');
/** An upsert, not INSERT OR REPLACE: REPLACE deletes without firing the delete trigger, and the count would drift. */
const UPSERT_OBJECT = `INSERT INTO objects (${OBJECT_COLUMNS}) VALUES (${OBJECT_PLACEHOLDERS}) ON CONFLICT (key) DO UPDATE SET ${OBJECT_COLUMNS.split(
  ', ',
)
  .filter((c) => c !== 'key')
  .map((c) => `${c} = excluded.${c}`)
  .join(', ')}`;

/**
 * The sqlite adapter: object rows, the change journal and the intents. Synchronous (better-sqlite3), so each
 * method is atomic with respect to every other JS callback; every write is one transaction, committed to the
 * write-ahead log when it returns and durable once `durable()` resolves.
 *
 * Why not synchronous=FULL: SQLite would then fsync the WAL inside every commit, on the event loop, which waits
 * for the disk and serves nobody meanwhile (a CPU profile of PUTs under load showed a fifth of the event loop's
 * time there). With synchronous=NORMAL a commit only writes the WAL; `durable()` fdatasyncs it on libuv's thread
 * pool, one fsync shared by every commit made before it starts. Same guarantee for what waited for it: SQLite's
 * recovery replays the WAL up to its last complete commit, and everything written before the fdatasync is on the
 * disk (sqlite.org/wal.html, "Durability"; sqlite.org/pragma.html#pragma_synchronous: NORMAL in WAL mode is
 * corruption-safe, only the latest commits can be lost in a power cut, and those are the ones nobody has been
 * told about yet). Every write that is acknowledged, or that the journal's readers may see, waits for it.
 */
export class ObjectIndex {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement<unknown[], unknown>>();
  /** Intents whose file operation is durable: deleted with the next write (losing that deletion is harmless). */
  private doneIntents: number[] = [];
  /**
   * The WAL file, opened once: SQLite keeps it (same inode; it only restarts writing at its start after a
   * checkpoint) as long as a connection is open, and removes it when the last one closes, after this one closes.
   */
  private readonly walFd: number;
  private readonly walSyncs = new SharedFsync(() => fsyncFd(this.walFd, true));
  private readonly checkpoints: WalCheckpointer;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // Checkpoints run on a worker thread, not inside the commit that crosses SQLite's threshold (wal-checkpointer.ts).
    this.db.pragma('wal_autocheckpoint = 0');
    this.checkpoints = new WalCheckpointer(path, () => this.db.pragma('wal_checkpoint(PASSIVE)'));
    this.db.exec(STORAGE_SCHEMA); // writes (INSERT OR IGNORE): the WAL file exists after it
    for (const { table, column, definition } of ADDED_COLUMNS) {
      const columns = this.db.prepare<[], { name: string }>(`PRAGMA table_info(${table})`).all();
      if (!columns.some((c) => c.name === column))
        this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
    }
    this.walFd = openSync(`${path}-wal`, 'r');
    this.uploads = new UploadIndex(this.db);
    // Made once, not per call: better-sqlite3's `transaction()` builds a set of wrapper functions each time (it
    // showed in a CPU profile of the PUT path). Inside the group commit's transaction they run as savepoints.
    this.putTransaction = this.db.transaction((meta: ObjectMeta, tmpPath: string): Intent => {
      this.assertPlaceable(meta.key);
      const prev = withoutKey(this.getRow(meta.key));
      const seq = this.journal(meta.key, 'put');
      this.sql(UPSERT_OBJECT).run(metaToRow(meta, seq));
      return this.recordIntent({ op: 'put', key: meta.key, tmpPath, seq, prev });
    });
    this.outerTransaction = this.db.transaction((work: () => void) => work());
    this.deleteTransaction = this.db.transaction((key: string): Intent | undefined => {
      const prev = withoutKey(this.getRow(key));
      if (!prev) return undefined;
      this.sql('DELETE FROM objects WHERE key = ?').run(keyBlob(key));
      const seq = this.journal(key, 'delete');
      return this.recordIntent({ op: 'delete', key, tmpPath: null, seq, prev });
    });
  }

  private readonly putTransaction: (meta: ObjectMeta, tmpPath: string) => Intent;
  private readonly deleteTransaction: (key: string) => Intent | undefined;
  private readonly outerTransaction: (work: () => void) => void;

  /**
   * Resolves once every write committed before this call survives a power cut: one fdatasync of the WAL that
   * starts after the call, shared with every caller arriving before it starts (shared-fsync.ts).
   */
  durable(): Promise<void> {
    return this.walSyncs.sync('wal');
  }

  /** Multipart uploads in progress, in the same database (so a completion and its journal entry share it). */
  readonly uploads: UploadIndex;

  get(key: string): ObjectMeta | undefined {
    const row = this.getRow(key);
    return row && rowToMeta(row);
  }

  list(query: ListQuery): ObjectMeta[] {
    const result: ObjectMeta[] = [];
    for (const range of listRanges(query)) {
      if (result.length >= query.limit) break;
      const rows = this.listStatement(range).all(...rangeParams(range), query.limit - result.length);
      for (const row of rows) result.push(rowToMeta(row));
    }
    return result;
  }

  count(): number {
    return this.sql<[], number>(`SELECT value FROM stats WHERE name = 'objects'`).pluck().get() ?? 0;
  }

  /** The version of the key → path mapping the object files follow (storage-recovery.ts `moveLegacyKeyPaths`). */
  keyPathVersion(): number {
    return this.sql<[], number>(`SELECT value FROM stats WHERE name = 'key_paths'`).pluck().get() ?? 1;
  }

  setKeyPathVersion(version: number): void {
    this.sql(`UPDATE stats SET value = ? WHERE name = 'key_paths'`).run(version);
  }

  changesSince(afterSeq: number, limit = -1): ObjectChange[] {
    return this.db
      .prepare<[number, number], { seq: number; key: Buffer; op: 'put' | 'delete' }>(
        'SELECT seq, key, op FROM changes WHERE seq > ? ORDER BY seq LIMIT ?',
      )
      .all(afterSeq, limit)
      .map((c) => ({ seq: c.seq, key: c.key.toString('utf8'), op: c.op }));
  }

  pruneChanges(beforeSeq: number): void {
    this.sql('DELETE FROM changes WHERE seq < ? AND seq < (SELECT MAX(seq) FROM changes)').run(beforeSeq);
  }

  lastSeq(): number {
    return this.sql<[], number>('SELECT COALESCE(MAX(seq), 0) FROM changes').pluck().get() ?? 0;
  }

  /**
   * Journals a put and makes its row visible, refusing "a" next to "a/b" (the folder is a mirror of the bucket).
   * The caller holds the key exclusive and its ancestors shared, so the checks cannot go stale.
   */
  beginPut(meta: ObjectMeta, tmpPath: string): Intent {
    return this.putTransaction(meta, tmpPath);
  }

  /** Journals a delete and hides the row; undefined (and nothing written) when there is no such object. */
  beginDelete(key: string): Intent | undefined {
    return this.deleteTransaction(key);
  }

  /** Runs `work` in one transaction (the writes above nest in it as savepoints). */
  /** A promise while the next write should wait (a WAL checkpoint catching up: wal-checkpointer.ts). */
  writesPaused(): Promise<void> | undefined {
    return this.checkpoints.paused;
  }

  transaction(work: () => void): void {
    this.outerTransaction(work);
    this.checkpoints.committed();
  }

  markDone(intent: Intent): void {
    this.doneIntents.push(intent.id);
  }

  /** The file operation failed: the row, the journal and the intent return to what they were. */
  undo(intent: Intent): void {
    this.db.transaction(() => {
      if (intent.prev) {
        const row: ObjectRow = { ...intent.prev, key: keyBlob(intent.key) };
        this.sql(UPSERT_OBJECT).run(row);
      } else {
        this.sql('DELETE FROM objects WHERE key = ?').run(keyBlob(intent.key));
      }
      this.sql('DELETE FROM changes WHERE seq = ?').run(intent.seq);
      this.sql('DELETE FROM intents WHERE id = ?').run(intent.id);
    })();
  }

  /** Size and md5 the put `intent` journaled, while its row is still the key's current one. */
  writtenBy(intent: Intent): { size: number; md5: string } | undefined {
    const row = this.getRow(intent.key);
    return row && row.seq === intent.seq ? { size: row.size, md5: row.md5 } : undefined;
  }

  /** Every intent left by the previous run, oldest first. */
  pendingIntents(): Intent[] {
    return this.db
      .prepare<[], IntentRow>('SELECT id, op, key, tmp_path, seq, prev FROM intents ORDER BY id')
      .all()
      .map((r) => ({
        id: r.id,
        op: r.op,
        key: r.key.toString('utf8'),
        tmpPath: r.tmp_path,
        seq: r.seq,
        prev: parsePrev(r),
      }));
  }

  clearIntents(): void {
    this.db.exec('DELETE FROM intents');
    this.doneIntents = [];
  }

  close(): void {
    if (!this.db.open) return;
    this.flushDoneIntents();
    closeSync(this.walFd);
    this.checkpoints.close();
    this.db.close(); // the last connection checkpoints the WAL into the database (fsyncs both) and removes it
  }

  private getRow(key: string): ObjectRow | undefined {
    return this.sql<[Buffer], ObjectRow>(`SELECT ${OBJECT_COLUMNS} FROM objects WHERE key = ?`).get(keyBlob(key));
  }

  private journal(key: string, op: 'put' | 'delete'): number {
    this.flushDoneIntents();
    const result = this.sql('INSERT INTO changes (key, op) VALUES (?, ?)').run(keyBlob(key), op);
    return Number(result.lastInsertRowid);
  }

  private recordIntent(intent: Omit<Intent, 'id'>): Intent {
    const prev = intent.prev ? JSON.stringify(intent.prev) : null;
    const result = this.sql('INSERT INTO intents (op, key, tmp_path, seq, prev) VALUES (?, ?, ?, ?, ?)').run(
      intent.op,
      keyBlob(intent.key),
      intent.tmpPath,
      intent.seq,
      prev,
    );
    return { ...intent, id: Number(result.lastInsertRowid) };
  }

  private flushDoneIntents(): void {
    if (this.doneIntents.length === 0) return;
    const ids = this.doneIntents;
    this.doneIntents = [];
    const remove = this.sql('DELETE FROM intents WHERE id = ?');
    for (const id of ids) remove.run(id);
  }

  /** Refuses "a" next to "a/b" (the folder is a mirror of the bucket): ObjectParentIsFile, ObjectIsParent. */
  assertPlaceable(key: string): void {
    const exists = this.sql<[Buffer], number>('SELECT 1 FROM objects WHERE key = ?').pluck();
    for (const ancestor of ancestorKeys(key)) {
      if (exists.get(keyBlob(ancestor))) {
        throw new StorageError(
          'ObjectParentIsFile',
          `The key "${ancestor}" is an object, so "${key}" cannot be one too.`,
        );
      }
    }
    const below = keyBlob(`${key}/`);
    const child = this.sql<[Buffer, Buffer], number>('SELECT 1 FROM objects WHERE key >= ? AND key < ? LIMIT 1')
      .pluck()
      .get(below, prefixUpperBound(below)!);
    if (child)
      throw new StorageError('ObjectIsParent', `Objects exist under "${key}/", so "${key}" cannot be one too.`);
  }

  private listStatement(range: KeyRange): Database.Statement<unknown[], ObjectRow> {
    const upper = range.to ? ' AND key < ?' : '';
    return this.sql<unknown[], ObjectRow>(
      `SELECT ${OBJECT_COLUMNS} FROM objects WHERE key ${range.fromInclusive ? '>=' : '>'} ?${upper} ORDER BY key LIMIT ?`,
    );
  }

  /** Prepared once, reused: compiling SQL costs more than running these statements. */
  private sql<P extends unknown[] = unknown[], R = unknown>(source: string): Database.Statement<P, R> {
    let statement = this.statements.get(source);
    if (!statement) {
      statement = this.db.prepare(source);
      this.statements.set(source, statement);
    }
    return statement as unknown as Database.Statement<P, R>;
  }
}

function keyBlob(key: string): Buffer {
  return Buffer.from(key, 'utf8');
}

function rangeParams(range: KeyRange): Buffer[] {
  return range.to ? [range.from, range.to] : [range.from];
}

function withoutKey(row: ObjectRow | undefined): PreviousRow | undefined {
  if (!row) return undefined;
  const { key: _key, ...rest } = row;
  return rest;
}

function parsePrev(row: IntentRow): PreviousRow | undefined {
  return row.prev === null ? undefined : (JSON.parse(row.prev) as PreviousRow);
}
