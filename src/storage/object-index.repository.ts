import type Database from 'better-sqlite3';
import { IndexDatabase } from './index-database.js';
import { ancestorKeys } from './key-path.js';
import { listRanges, prefixUpperBound, type KeyRange } from './list-ranges.js';
import type { IndexTables } from './object-index.schema.js';
import { metaToRow, OBJECT_COLUMNS, rowToMeta, type ObjectRow } from './object-row.js';
import type { ListQuery, ObjectChange, ObjectMeta } from './storage.backend.js';
import { StorageError } from './storage.errors.js';
import { UploadIndex } from './upload-index.repository.js';

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
  /** put: the object's bytes, when small enough to be journaled with its row (the startup recovery writes them). */
  body?: Buffer;
}

export type PreviousRow = Omit<ObjectRow, 'key'>;

interface IntentRow {
  id: number;
  op: 'put' | 'delete';
  key: Buffer;
  tmp_path: string | null;
  seq: number;
  prev: string | null;
  body: Buffer | null;
}

const OBJECT_PLACEHOLDERS = OBJECT_COLUMNS.split(', ')
  .map((c) => `@${c}`)
  .join(', ');
/** An upsert, not INSERT OR REPLACE: REPLACE deletes without firing the delete trigger, and the count would drift. */
const upsertObject = (objects: string): string =>
  `INSERT INTO ${objects} (${OBJECT_COLUMNS}) VALUES (${OBJECT_PLACEHOLDERS}) ON CONFLICT (key) DO UPDATE SET ${OBJECT_COLUMNS.split(
    ', ',
  )
    .filter((c) => c !== 'key')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`;

/**
 * The sqlite adapter of one bucket: object rows, the change journal and the intents, in its own tables of an
 * IndexDatabase (alone in it, or sharing it with every project's: index-database.ts). Synchronous (better-sqlite3),
 * so each method is atomic with respect to every other JS callback; every write is one transaction (or part of the
 * database's group commit: group-commit.ts), committed to the write-ahead log when it returns and durable once
 * `durable()` resolves (index-database.ts says why the commit does not fsync).
 */
export class ObjectIndex {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement<unknown[], unknown>>();
  /** Intents whose file operation is durable: deleted with the next write (losing that deletion is harmless). */
  private doneIntents: number[] = [];
  private closed = false;

  /** The index stored alone in the database at `path` (unprefixed tables: DATA_DIR/state/storage.db). */
  static alone(path: string): ObjectIndex {
    const database = new IndexDatabase(path);
    database.join();
    return new ObjectIndex(database, database.soleTables());
  }

  /** A member of `database`, which the caller joined for it: `close` leaves it. */
  constructor(
    private readonly database: IndexDatabase,
    private readonly t: IndexTables,
  ) {
    this.db = database.db;
    this.put = {
      row: this.db.prepare(`SELECT ${OBJECT_COLUMNS} FROM ${t.objects} WHERE key = ?`),
      exists: this.db.prepare<[Buffer], number>(`SELECT 1 FROM ${t.objects} WHERE key = ?`).pluck(),
      child: this.db
        .prepare<[Buffer, Buffer], number>(`SELECT 1 FROM ${t.objects} WHERE key >= ? AND key < ? LIMIT 1`)
        .pluck(),
      upsert: this.db.prepare(upsertObject(t.objects)),
      journal: this.db.prepare(`INSERT INTO ${t.changes} (key, op) VALUES (?, ?)`),
      intent: this.db.prepare(
        `INSERT INTO ${t.intents} (op, key, tmp_path, seq, prev, body) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      intentDone: this.db.prepare(`DELETE FROM ${t.intents} WHERE id = ?`),
    };
    this.uploads = new UploadIndex(this.db, t);
    this.putRows = (meta: ObjectMeta, tmpPath: string, body?: Buffer): Intent => {
      this.assertPlaceable(meta.key); // refuses before the first write (group-commit.ts)
      const prev = withoutKey(this.getRow(meta.key));
      const seq = this.journal(meta.key, 'put');
      this.put.upsert.run(metaToRow(meta, seq));
      return this.recordIntent({ op: 'put', key: meta.key, tmpPath, seq, prev, body });
    };
    // Made once, not per call: better-sqlite3's `transaction()` builds a set of wrapper functions each time (it
    // showed in a CPU profile of the PUT path). Inside the group commit's transaction deletes run as savepoints.
    this.putTransaction = this.db.transaction(this.putRows);
    this.deleteTransaction = this.db.transaction((key: string): Intent | undefined => {
      const prev = withoutKey(this.getRow(key));
      if (!prev) return undefined;
      this.sql(`DELETE FROM ${this.t.objects} WHERE key = ?`).run(keyBlob(key));
      const seq = this.journal(key, 'delete');
      return this.recordIntent({ op: 'delete', key, tmpPath: null, seq, prev });
    });
  }

  /** A put's checks, then its writes, in the caller's transaction. */
  private readonly putRows: (meta: ObjectMeta, tmpPath: string, body?: Buffer) => Intent;
  private readonly putTransaction: (meta: ObjectMeta, tmpPath: string, body?: Buffer) => Intent;
  private readonly deleteTransaction: (key: string) => Intent | undefined;
  /**
   * The statements of every put, prepared with the index (not looked up per call by their text, as `sql` does: the
   * text built and hashed each time showed in a CPU profile of the PUT path).
   */
  private readonly put: {
    row: Database.Statement<[Buffer], ObjectRow>;
    exists: Database.Statement<[Buffer], number>;
    child: Database.Statement<[Buffer, Buffer], number>;
    upsert: Database.Statement;
    journal: Database.Statement<[Buffer, string]>;
    intent: Database.Statement<[string, Buffer, string | null, number, string | null, Buffer | null]>;
    intentDone: Database.Statement<[number]>;
  };

  /**
   * Resolves once every write committed before this call survives a power cut: one fdatasync of the database's
   * WAL, shared with every caller (of every index of the database) arriving before it starts (shared-fsync.ts).
   */
  durable(): Promise<void> {
    return this.database.durable();
  }

  /** Nothing of the database (of any index in it) is being committed or made durable: index-database.ts `quiet`. */
  get quiet(): boolean {
    return this.database.quiet;
  }

  /**
   * Runs `write` in the database's next group commit, shared with the writes every index of the database requests
   * during this turn of the event loop (group-commit.ts): a refusal (StorageError, raised before `write` wrote
   * anything) fails it alone, any other error the whole batch.
   */
  batched<T>(write: () => T): Promise<T> {
    return this.database.writes.run(write);
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
    return this.sql<[], number>(`SELECT value FROM ${this.t.stats} WHERE name = 'objects'`).pluck().get() ?? 0;
  }

  /** The version of the key → path mapping the object files follow (storage-recovery.ts `moveLegacyKeyPaths`). */
  keyPathVersion(): number {
    return this.sql<[], number>(`SELECT value FROM ${this.t.stats} WHERE name = 'key_paths'`).pluck().get() ?? 1;
  }

  setKeyPathVersion(version: number): void {
    this.sql(`UPDATE ${this.t.stats} SET value = ? WHERE name = 'key_paths'`).run(version);
  }

  changesSince(afterSeq: number, limit = -1): ObjectChange[] {
    return this.db
      .prepare<[number, number], { seq: number; key: Buffer; op: 'put' | 'delete' }>(
        `SELECT seq, key, op FROM ${this.t.changes} WHERE seq > ? ORDER BY seq LIMIT ?`,
      )
      .all(afterSeq, limit)
      .map((c) => ({ seq: c.seq, key: c.key.toString('utf8'), op: c.op }));
  }

  pruneChanges(beforeSeq: number): void {
    this.sql(`DELETE FROM ${this.t.changes} WHERE seq < ? AND seq < (SELECT MAX(seq) FROM ${this.t.changes})`).run(
      beforeSeq,
    );
  }

  lastSeq(): number {
    return this.sql<[], number>(`SELECT COALESCE(MAX(seq), 0) FROM ${this.t.changes}`).pluck().get() ?? 0;
  }

  /**
   * Journals a put and makes its row visible, refusing "a" next to "a/b" (the folder is a mirror of the bucket).
   * The caller holds the key exclusive and its ancestors shared, so the checks cannot go stale. With `body`, the
   * intent keeps the object's bytes until it is done. Inside a transaction already (the group commit's) it takes no
   * savepoint of its own: it refuses before it writes, and a write failing later aborts that whole transaction
   * (group-commit.ts).
   */
  beginPut(meta: ObjectMeta, tmpPath: string, body?: Buffer): Intent {
    return this.db.inTransaction ? this.putRows(meta, tmpPath, body) : this.putTransaction(meta, tmpPath, body);
  }

  /** Journals a delete and hides the row; undefined (and nothing written) when there is no such object. */
  beginDelete(key: string): Intent | undefined {
    return this.deleteTransaction(key);
  }

  markDone(intent: Intent): void {
    this.doneIntents.push(intent.id);
  }

  /** The file operation failed: the row, the journal and the intent return to what they were. */
  undo(intent: Intent): void {
    this.db.transaction(() => {
      if (intent.prev) {
        const row: ObjectRow = { ...intent.prev, key: keyBlob(intent.key) };
        this.put.upsert.run(row);
      } else {
        this.sql(`DELETE FROM ${this.t.objects} WHERE key = ?`).run(keyBlob(intent.key));
      }
      this.sql(`DELETE FROM ${this.t.changes} WHERE seq = ?`).run(intent.seq);
      this.put.intentDone.run(intent.id);
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
      .prepare<[], IntentRow>(`SELECT id, op, key, tmp_path, seq, prev, body FROM ${this.t.intents} ORDER BY id`)
      .all()
      .map((r) => ({
        id: r.id,
        op: r.op,
        key: r.key.toString('utf8'),
        tmpPath: r.tmp_path,
        seq: r.seq,
        prev: parsePrev(r),
        ...(r.body === null ? {} : { body: r.body }),
      }));
  }

  clearIntents(): void {
    this.db.exec(`DELETE FROM ${this.t.intents}`);
    this.doneIntents = [];
  }

  /** Leaves the database (its last member closes it). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flushDoneIntents();
    this.database.leave();
  }

  private getRow(key: string): ObjectRow | undefined {
    return this.put.row.get(keyBlob(key));
  }

  private journal(key: string, op: 'put' | 'delete'): number {
    this.flushDoneIntents();
    const result = this.put.journal.run(keyBlob(key), op);
    return Number(result.lastInsertRowid);
  }

  private recordIntent(intent: Omit<Intent, 'id'>): Intent {
    const prev = intent.prev ? JSON.stringify(intent.prev) : null;
    const result = this.put.intent.run(
      intent.op,
      keyBlob(intent.key),
      intent.tmpPath,
      intent.seq,
      prev,
      intent.body ?? null,
    );
    return { ...intent, id: Number(result.lastInsertRowid) };
  }

  private flushDoneIntents(): void {
    if (this.doneIntents.length === 0) return;
    const ids = this.doneIntents;
    this.doneIntents = [];
    for (const id of ids) this.put.intentDone.run(id);
  }

  /** Refuses "a" next to "a/b" (the folder is a mirror of the bucket): ObjectParentIsFile, ObjectIsParent. */
  assertPlaceable(key: string): void {
    for (const ancestor of ancestorKeys(key)) {
      if (this.put.exists.get(keyBlob(ancestor))) {
        throw new StorageError(
          'ObjectParentIsFile',
          `The key "${ancestor}" is an object, so "${key}" cannot be one too.`,
        );
      }
    }
    const below = keyBlob(`${key}/`);
    const child = this.put.child.get(below, prefixUpperBound(below)!);
    if (child)
      throw new StorageError('ObjectIsParent', `Objects exist under "${key}/", so "${key}" cannot be one too.`);
  }

  private listStatement(range: KeyRange): Database.Statement<unknown[], ObjectRow> {
    const upper = range.to ? ' AND key < ?' : '';
    return this.sql<unknown[], ObjectRow>(
      `SELECT ${OBJECT_COLUMNS} FROM ${this.t.objects} WHERE key ${range.fromInclusive ? '>=' : '>'} ?${upper} ORDER BY key LIMIT ?`,
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
