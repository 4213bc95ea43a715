import Database from 'better-sqlite3';
import { chmodSync, closeSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { fsyncFd } from '../common/fsync-dir.js';
import { makeDirsSync } from '../common/make-dirs.js';
import { GroupCommit } from './group-commit.js';
import { ADDED_COLUMNS, indexTables, storageSchema, type IndexTables } from './object-index.schema.js';
import { SharedFsync } from './shared-fsync.js';
import { OBJECT_FILE_MODE, STORAGE_DIR_MODE } from './storage-layout.js';
import { StorageError } from './storage.errors.js';
import { WalCheckpointer } from './wal-checkpointer.js';

/**
 * One SQLite database holding storage indexes (object-index.repository.ts), and what its writers share: the
 * connection, the group commit, the WAL fdatasync and the checkpointer.
 *
 * Alone (no PROJECTS_FILE) it holds one index in unprefixed tables, as every release before. With PROJECTS_FILE,
 * every project's index is a set of tables of its own in one database (DATA_DIR/state/projects.db): concurrent PUTs
 * to 50 buckets then share one transaction, one WAL append and one fdatasync, as PUTs to one bucket do, instead of
 * paying 50 of each (bench/results/projects-scale-shared-index.md). Each bucket's tables are named by a number from
 * the `buckets` table, never by the bucket's name, so no user text is ever pasted into SQL.
 *
 * Why not synchronous=FULL: SQLite would then fsync the WAL inside every commit, on the event loop, which waits
 * for the disk and serves nobody meanwhile (a CPU profile of PUTs under load showed a fifth of the event loop's
 * time there). With synchronous=NORMAL a commit only writes the WAL; `durable()` fdatasyncs it on libuv's thread
 * pool, one fsync shared by every commit made before it starts. Same guarantee for what waited for it: SQLite's
 * recovery replays the WAL up to its last complete commit, and everything written before the fdatasync is on the
 * disk (sqlite.org/wal.html, "Durability"; sqlite.org/pragma.html#pragma_synchronous: NORMAL in WAL mode is
 * corruption-safe, only the latest commits can be lost in a power cut, and those are the ones nobody has been
 * told about yet). Every write that is acknowledged, or that the journal's readers may see, waits for it.
 *
 * Opened by its first member (`join`), closed by its last (`leave`): the last connection's close checkpoints the
 * WAL into the database and removes it.
 */
export class IndexDatabase {
  private connection?: Database.Database;
  private members = 0;
  /**
   * The WAL file, opened once: SQLite keeps it (same inode; it only restarts writing at its start after a
   * checkpoint) as long as a connection is open, and removes it when the last one closes, after this one closes.
   */
  private walFd = -1;
  private readonly walSyncs = new SharedFsync(() => this.syncWal());
  /** The WAL fdatasync running, and the connection's change count when it started: it covers every change up to it. */
  private walSyncing?: { covers: number; done: Promise<void> };
  private changeCount?: Database.Statement<[], number>;
  private checkpoints?: WalCheckpointer;
  private outerTransaction?: (work: () => void) => void;
  /**
   * The writes of every index of this database requested during one turn of the event loop: one commit, held while
   * a WAL checkpoint catches up (wal-checkpointer.ts).
   */
  readonly writes = new GroupCommit(
    (batch) => this.transaction(batch),
    // A put refused by its checks, before it wrote (object-index.repository.ts): it fails alone.
    (error) => error instanceof StorageError,
    () => this.checkpoints?.paused,
  );

  constructor(readonly path: string) {}

  get db(): Database.Database {
    if (!this.connection) throw new Error(`the index database ${this.path} is not open`);
    return this.connection;
  }

  /** Opens the database for one more member (the first one opens it). */
  join(): void {
    if (this.members++ > 0) return;
    makeDirsSync(dirname(this.path), STORAGE_DIR_MODE);
    // SQLite creates the -wal/-shm files beside the database with the mode of an existing database file.
    closeSync(openSync(this.path, 'a', OBJECT_FILE_MODE));
    chmodSync(this.path, OBJECT_FILE_MODE);
    const db = new Database(this.path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Checkpoints run on a worker thread, not inside the commit that crosses SQLite's threshold (wal-checkpointer.ts).
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE IF NOT EXISTS buckets (name TEXT PRIMARY KEY NOT NULL, id INTEGER UNIQUE NOT NULL)');
    this.connection = db;
    // Rows this connection changed since it opened: grows with every write (sqlite.org/lang_corefunc.html#total_changes).
    this.changeCount = db.prepare<[], number>('SELECT total_changes()').pluck();
    this.walFd = openSync(`${this.path}-wal`, 'r'); // the CREATE above wrote: the WAL file exists
    this.checkpoints = new WalCheckpointer(this.path, () => db.pragma('wal_checkpoint(PASSIVE)'));
    // Made once, not per call: better-sqlite3's `transaction()` builds a set of wrapper functions each time.
    this.outerTransaction = db.transaction((work: () => void) => work());
  }

  /** One member is done; the last one closes the connection (after every write it made was committed). */
  leave(): void {
    if (this.members === 0 || --this.members > 0) return;
    closeSync(this.walFd);
    this.checkpoints?.close();
    this.connection?.close(); // the last connection checkpoints the WAL into the database (fsyncs both), removes it
    this.connection = undefined;
  }

  /** The tables of the index stored alone in this database: unprefixed, as before projects shared one. */
  soleTables(): IndexTables {
    const tables = indexTables('');
    this.applySchema(tables);
    return tables;
  }

  /** The tables of `bucket`'s index, if it has some here. */
  bucketTables(bucket: string): IndexTables | undefined {
    const id = this.db.prepare<[string], number>('SELECT id FROM buckets WHERE name = ?').pluck().get(bucket);
    if (id === undefined) return undefined;
    const tables = indexTables(`b${id}_`);
    this.applySchema(tables);
    return tables;
  }

  /** Numbers `bucket` and creates its empty tables; inside the caller's transaction when it runs in one. */
  addBucket(bucket: string): IndexTables {
    const id = this.db.prepare<[], number>('SELECT COALESCE(MAX(id), 0) + 1 FROM buckets').pluck().get()!;
    this.db.prepare('INSERT INTO buckets (name, id) VALUES (?, ?)').run(bucket, id);
    const tables = indexTables(`b${id}_`);
    this.applySchema(tables);
    return tables;
  }

  /** Creates what is missing: tables, and the columns a later release added (CREATE IF NOT EXISTS keeps old tables). */
  private applySchema(tables: IndexTables): void {
    this.db.exec(storageSchema(tables));
    for (const { table, column, definition } of ADDED_COLUMNS) {
      const columns = this.db.prepare<[], { name: string }>(`PRAGMA table_info(${tables[table]})`).all();
      if (!columns.some((c) => c.name === column))
        this.db.exec(`ALTER TABLE ${tables[table]} ADD COLUMN ${column} ${definition}`);
    }
  }

  /**
   * Resolves once every write committed before this call survives a power cut: one fdatasync of the WAL that
   * starts after the call, shared with every caller arriving before it starts (shared-fsync.ts).
   */
  durable(): Promise<void> {
    // The writes of one group commit are answered one after the other, in one turn: the first starts an fdatasync,
    // which already covers the others' writes (committed before it started). Without this check they would wait
    // for a second one, as SharedFsync must when it cannot tell when a caller's write happened.
    const syncing = this.walSyncing;
    if (syncing && syncing.covers >= this.changeCount!.get()!) return syncing.done;
    return this.walSyncs.sync('wal');
  }

  /** No write is waiting for a commit and no fdatasync of the WAL runs: a write made now would be alone in both. */
  get quiet(): boolean {
    return this.writes.idle && this.walSyncing === undefined;
  }

  private syncWal(): Promise<void> {
    const done = fsyncFd(this.walFd, true);
    const syncing = { covers: this.changeCount!.get()!, done };
    this.walSyncing = syncing;
    const settled = () => {
      if (this.walSyncing === syncing) this.walSyncing = undefined;
    };
    done.then(settled, settled);
    return done;
  }

  /** Runs `work` in one transaction (the indexes' writes of a group commit run in it: group-commit.ts). */
  transaction(work: () => void): void {
    this.outerTransaction!(work);
    this.checkpoints!.committed();
  }
}
