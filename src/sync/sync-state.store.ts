import { dataDirLayout } from '../config/data-dir.layout.js';
import { fsyncFile } from '../common/sync-file-system.js';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { PushedItem } from '../dataset/dataset-layout.port.js';
import { COMMIT_HISTORY_KEPT, type FlushSummary } from './sync-status.types.js';

export interface SyncProgress {
  syncedSeq: number;
  lastCommit: string | null;
  lastSyncAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  consecutiveFailures: number;
  /** The dataset's DVC hash (`<md5>` or `<md5>.dir`) of our last push: tells whether a teammate changed it since. */
  pushedDatasetHash: string | null;
  /** Which dataset (path + layout) the stored items describe; a change of DVC_DATASET_PATH starts afresh. */
  pushedDataset: string | null;
  /** The first rejected objects (the status shows 100), and how many there are. */
  rejected: Array<{ key: string; reason: string }>;
  rejectedCount: number;
}

/**
 * Rows `recordPush` writes between two turns of the event loop: ~4 ms of SQLite. 5,000 at a time held the PUTs for
 * ~40 ms at the end of a flush of 6,000 objects.
 */
const ROWS_PER_TURN = 1000;

const INITIAL: SyncProgress = {
  syncedSeq: 0,
  lastCommit: null,
  lastSyncAt: null,
  lastError: null,
  lastErrorAt: null,
  consecutiveFailures: 0,
  pushedDatasetHash: null,
  pushedDataset: null,
  rejected: [],
  rejectedCount: 0,
};

/**
 * One project's sync memory (`<project folder>/state/sync.db`): how far the storage journal has been pushed,
 * and the items of the last pushed dataset (so a flush touches only what changed, and merges with a
 * teammate's version against a known base). Outside the objects folder, like all metadata.
 */
export class SyncStateStore {
  private readonly db: Database.Database;
  /** The database's write-ahead log, which SQLite keeps (same file) while the connection is open. */
  private readonly wal: string;

  constructor(project: { dataDir: string }) {
    const paths = dataDirLayout(project.dataDir);
    mkdirSync(paths.state, { recursive: true });
    this.db = new Database(paths.syncDb);
    this.wal = `${paths.syncDb}-wal`;
    this.db.pragma('journal_mode = WAL');
    // NORMAL, not FULL: FULL fsyncs the WAL inside the COMMIT, on the event loop (~17 ms of a flush of 6,000 objects
    // during which no PUT was served); `recordPush` fsyncs it on the thread pool instead, before it resolves. The
    // same guarantee, as for the object index (storage/index-database.ts says why).
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS progress (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS items (id TEXT PRIMARY KEY, hash TEXT NOT NULL, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS key_items (key TEXT NOT NULL, item_id TEXT NOT NULL, PRIMARY KEY (key, item_id));
      CREATE TABLE IF NOT EXISTS commits (seq INTEGER PRIMARY KEY AUTOINCREMENT, json TEXT NOT NULL);
    `);
  }

  progress(): SyncProgress {
    const row = this.db.prepare('SELECT json FROM progress WHERE id = 1').get() as { json: string } | undefined;
    return row ? { ...INITIAL, ...(JSON.parse(row.json) as Partial<SyncProgress>) } : { ...INITIAL };
  }

  saveProgress(update: Partial<SyncProgress>): SyncProgress {
    const next = { ...this.progress(), ...update };
    this.db
      .prepare('INSERT INTO progress (id, json) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET json = excluded.json')
      .run(JSON.stringify(next));
    return next;
  }

  items(): Map<string, PushedItem> {
    const rows = this.db.prepare('SELECT id, hash, value FROM items').all() as PushedItem[];
    return new Map(rows.map((row) => [row.id, row]));
  }

  /** Item ids each key contributed to at the last push (a deleted key's old task is found here). */
  itemsOfKeys(keys: readonly string[]): Map<string, string[]> {
    const result = new Map<string, string[]>();
    const select = this.db.prepare('SELECT item_id FROM key_items WHERE key = ?').pluck();
    for (const key of keys) result.set(key, select.all(key) as string[]);
    return result;
  }

  /**
   * Records a successful push, atomically: the journal position, the changed items and key→item links,
   * and the progress fields. A crash before this leaves the changes pending (pushing again is idempotent).
   *
   * One transaction, written ROWS_PER_TURN rows per turn of the event loop: a first flush of 100,000 objects
   * records 200,000 rows, a second or more of work that would otherwise delay every PUT (invariant 7). Between
   * turns the transaction stays open on this connection: a reader here (the status) sees the progress row of the
   * last push until the commit, since it is written last; a crash or close in between rolls all of it back.
   */
  async recordPush(args: {
    progress: Partial<SyncProgress>;
    upsert: PushedItem[];
    remove: string[];
    keyItems: Map<string, string[]>;
    /** The items are the whole dataset (a full rebuild, or a merge with a teammate's version). */
    replaceAll?: boolean;
    /**
     * `keyItems` lists every stored key (a full rebuild). Not so after a merge: it lists only this flush's
     * keys, and the links of the other keys must stay, or a later delete of one of them would go unnoticed.
     */
    replaceKeyItems?: boolean;
  }): Promise<void> {
    const upsert = this.db.prepare(
      'INSERT INTO items (id, hash, value) VALUES (@id, @hash, @value) ON CONFLICT(id) DO UPDATE SET hash = excluded.hash, value = excluded.value',
    );
    const remove = this.db.prepare('DELETE FROM items WHERE id = ?');
    const unlink = this.db.prepare('DELETE FROM key_items WHERE key = ?');
    const link = this.db.prepare('INSERT OR IGNORE INTO key_items (key, item_id) VALUES (?, ?)');
    this.db.exec('BEGIN IMMEDIATE');
    try {
      if (args.replaceAll) this.db.exec('DELETE FROM items;');
      if (args.replaceKeyItems) this.db.exec('DELETE FROM key_items;');
      let rows = 0;
      const pace = async () => {
        if (++rows % ROWS_PER_TURN === 0) await nextTurn();
      };
      for (const id of args.remove) {
        remove.run(id);
        await pace();
      }
      for (const item of args.upsert) {
        upsert.run(item);
        await pace();
      }
      for (const [key, ids] of args.keyItems) {
        if (!args.replaceKeyItems) unlink.run(key); // after the DELETE above there is nothing to unlink
        for (const id of ids) link.run(key, id);
        await pace();
      }
      this.saveProgress(args.progress);
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.open && this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
    await fsyncFile(this.wal); // durable before the flush prunes the journal it records
  }

  /**
   * Remembers a flush that made a commit, for the status page; only the last COMMIT_HISTORY_KEPT stay. A
   * history, not the sync's truth: recorded after the push, so a crash in between loses a line, never a change.
   */
  recordCommit(summary: FlushSummary): void {
    if (!summary.commit) return;
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO commits (json) VALUES (?)').run(JSON.stringify(summary));
      this.db
        .prepare('DELETE FROM commits WHERE seq NOT IN (SELECT seq FROM commits ORDER BY seq DESC LIMIT ?)')
        .run(COMMIT_HISTORY_KEPT);
    })();
  }

  /** The last commits of the service, newest first. */
  recentCommits(): FlushSummary[] {
    const rows = this.db.prepare('SELECT json FROM commits ORDER BY seq DESC').pluck().all() as string[];
    return rows.map((json) => JSON.parse(json) as FlushSummary);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
