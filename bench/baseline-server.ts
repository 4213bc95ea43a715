import Database from 'better-sqlite3';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';

/**
 * The reference points of bench/side-by-side.ts, run as their own process (like the service):
 * - BASELINE_MODE=fsync: the minimal durable PUT of docs/toolchain.md — each body goes to a temp
 *   file, fsync, rename, then 200. No auth check, no index, no directory fsync.
 * - BASELINE_MODE=fsync-dir: the same, then an fsync of the folder before the 200: without it the rename (the
 *   object's name) can be lost on power failure (fsync(2): "an explicit fsync() on a file descriptor for the
 *   directory is also needed"), which is why this service pays it on every PUT.
 * - BASELINE_MODE=design: this service's disk work per PUT of a small body with none of its CPU (no signature, no
 *   SQLite, no locks): the fdatasync of a journal standing in for the index's WAL (JOURNAL_BYTES and the body
 *   written in place per PUT, as the service's intent carries a small body; one fdatasync shared by every PUT that
 *   wrote before it started, as the service's group commit shares it), then the rename and the 200; the body's
 *   fsync and the folder's run after the answer, the folder's once per FOLDER_WINDOW_MS (the service's
 *   FOLDER_FSYNC_WINDOW_MS), shared. What it does not model: the service takes a temp file created ahead (this one
 *   opens its own on the PUT's path).
 * - BASELINE_MODE=essential: the design mode plus the CPU work no S3 service that keeps an index for a sync loop can
 *   skip, written as lean as this file can: the presigned SigV4 signature checked (the day's signing key derived
 *   once, the canonical request rebuilt from the query, one SHA-256 and one HMAC), and the object's row and its
 *   change-journal row committed to SQLite (better-sqlite3, WAL, synchronous=NORMAL, the rows of one event-loop
 *   turn in one transaction) whose WAL gets the shared fdatasync instead of the stand-in journal. Unlike `design`,
 *   it answers before the folder's fsync only when that is safe: the PUT took a temp file made ahead, whose name
 *   is durable (batches of AHEAD files in a new folder, fsynced once per batch), and the journal row names that
 *   file, so a recovery could roll the rename forward; a PUT that found none ready waits for the folder's fsync.
 *   What it leaves out, and this service does: a separate intent row, the per-key locks, the checks that a key is
 *   placeable, routing of the S3 API's other requests, metrics, the recovery itself.
 * - BASELINE_MODE=null: reads the body and answers 200 without touching the disk: what the client can drive at most.
 * Settings: PORT, DATA_DIR, BASELINE_MODE, and for the essential mode's experiments (bench/essential-ab.ts,
 * bench/results/put-path-11.md) BASELINE_BODY=inline|inline-file. Binds 127.0.0.1.
 */
const MODES = ['fsync', 'fsync-dir', 'design', 'essential', 'null'] as const;
const mode = MODES.find((m) => m === process.env.BASELINE_MODE) ?? 'fsync';
const dir = process.env.DATA_DIR ?? '.';
/** Experiment: the essential mode with each body kept in its object row (durable with the WAL), no file at all. */
const inline = process.env.BASELINE_BODY === 'inline';
/**
 * Experiment: as `inline`, then after the answer the body is written to its file (fsync, rename, the folder's shared
 * fsync) and only then dropped from its row (in a later group commit). At most MATERIALIZING bodies wait for their
 * file: a PUT beyond that waits before its commit, so the files keep up with the answers.
 */
const inlineFile = process.env.BASELINE_BODY === 'inline-file';
const MATERIALIZING = 64;
let materializing = 0;
const materializeWaiters: Array<() => void> = [];
const port = Number(process.env.PORT ?? 0);
let counter = 0;
const prefix = randomBytes(4).toString('hex');

/** What one PUT's commit adds to the WAL: the pages of the object row, the change journal and the intent (~5). */
const JOURNAL_BYTES = 20 * 1024;
/** Room for the body of one PUT in the journal (the service's SMALL_BODY: at most this much travels in an intent). */
const BODY_BYTES = 64 * 1024;
/** The journal is written in place over this many commits' worth (a WAL restarts at its start after a checkpoint). */
const JOURNAL_SLOTS = 512;
const FOLDER_WINDOW_MS = 2;
let journal: Promise<FileHandle> | undefined;
let journalSlot = 0;
let journalSyncing: Promise<void> | undefined;
let journalNext: Promise<void> | undefined;
let folderSync: Promise<void> | undefined;

/** The journal, written whole and fsynced once at the first PUT: later writes never change its size. */
function journalFile(): Promise<FileHandle> {
  journal ??= (async () => {
    const file = await open(join(dir, 'journal'), 'w+');
    await file.write(Buffer.alloc((JOURNAL_BYTES + BODY_BYTES) * JOURNAL_SLOTS));
    await file.sync();
    return file;
  })();
  return journal;
}

/** An fdatasync of the journal that starts after this call, shared with every caller until it starts. */
function journalDurable(file: FileHandle): Promise<void> {
  if (!journalSyncing) {
    journalSyncing = file.datasync().finally(() => (journalSyncing = undefined));
    return journalSyncing;
  }
  journalNext ??= journalSyncing
    .catch(() => undefined)
    .then(() => {
      journalNext = undefined;
      return journalDurable(file);
    });
  return journalNext;
}

/** The journal's write for one PUT (its rows, and the body its intent carries), durable once this resolves. */
async function journaled(body: Buffer): Promise<void> {
  const file = await journalFile();
  const slot = (journalSlot++ % JOURNAL_SLOTS) * (JOURNAL_BYTES + BODY_BYTES);
  await file.writev([Buffer.alloc(JOURNAL_BYTES, journalSlot & 0xff), body.subarray(0, BODY_BYTES)], slot);
  await journalDurable(file);
}

/** The credentials bench/lib/processes.ts `startBaseline` gives the client. */
const ACCESS_KEY_ID = 'AKBASELINE';
const SECRET_ACCESS_KEY = 'baseline-secret';
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
let signingDay = '';
let signingKey = Buffer.alloc(0);

/** RFC 3986 encoding of a query name or value, as SigV4's canonical query string wants it. */
const uriEncode = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Checks a presigned PUT's signature (AWS S3 API reference, "Authenticating Requests: Using Query Parameters"). */
function signatureValid(method: string, url: string, host: string): boolean {
  const mark = url.indexOf('?');
  if (mark < 0) return false;
  const path = url.slice(0, mark);
  const query = new URLSearchParams(url.slice(mark + 1));
  const signature = query.get('X-Amz-Signature');
  const credential = query.get('X-Amz-Credential')?.split('/');
  const amzDate = query.get('X-Amz-Date');
  const expires = Number(query.get('X-Amz-Expires'));
  if (!signature || !credential || credential.length !== 5 || credential[0] !== ACCESS_KEY_ID || !amzDate) return false;
  if (query.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' || query.get('X-Amz-SignedHeaders') !== 'host') return false;
  const signedAt = Date.parse(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  if (!(Date.now() <= signedAt + expires * 1000)) return false;
  const [, day, region, service] = credential;
  if (day !== signingDay) {
    signingKey = hmac(hmac(hmac(hmac(`AWS4${SECRET_ACCESS_KEY}`, day), region), service), 'aws4_request');
    signingDay = day;
  }
  const canonicalQuery = [...query]
    .filter(([name]) => name !== 'X-Amz-Signature')
    .map(([name, value]) => `${uriEncode(name)}=${uriEncode(value)}`)
    .sort()
    .join('&');
  const canonical = `${method}\n${path}\n${canonicalQuery}\nhost:${host}\n\nhost\nUNSIGNED-PAYLOAD`;
  const scope = credential.slice(1).join('/');
  const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
  const expected = createHmac('sha256', signingKey).update(toSign).digest();
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The index of the essential mode: an object row and a change-journal row per PUT, in the service's columns. */
let index: { commit: (rows: Row[]) => void; wal: Promise<FileHandle> } | undefined;
interface Row {
  key: Buffer;
  size: number;
  md5: string;
  contentType: string;
  /** The temp file that becomes the object: what a recovery would roll forward. */
  tmpPath: string;
  /** BASELINE_BODY=inline: the body itself, kept in the row (no file). */
  body?: Buffer;
  /** BASELINE_BODY=inline-file: the row's body is in its file now, and is dropped from the row. */
  clear?: boolean;
}
let pendingRows: Row[] = [];
let committed: Promise<void> | undefined;

function openIndex(): NonNullable<typeof index> {
  if (index) return index;
  const db = new Database(join(dir, 'index.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE objects (key BLOB PRIMARY KEY NOT NULL, size INTEGER NOT NULL, md5 TEXT NOT NULL,
    last_modified INTEGER NOT NULL, content_type TEXT, user_metadata TEXT NOT NULL, checksums TEXT NOT NULL,
    seq INTEGER NOT NULL, body BLOB) WITHOUT ROWID;
    CREATE TABLE changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, key BLOB NOT NULL, op TEXT NOT NULL, tmp_path TEXT)`);
  const journal = db.prepare<[Buffer, string]>(`INSERT INTO changes (key, op, tmp_path) VALUES (?, 'put', ?)`);
  const upsert = db.prepare<[Buffer, number, string, number, string, number, Buffer | null]>(
    `INSERT INTO objects (key, size, md5, last_modified, content_type, user_metadata, checksums, seq, body)
     VALUES (?, ?, ?, ?, ?, '{}', '{}', ?, ?) ON CONFLICT (key) DO UPDATE SET size = excluded.size, md5 = excluded.md5,
     last_modified = excluded.last_modified, content_type = excluded.content_type, seq = excluded.seq,
     body = excluded.body`,
  );
  const clear = db.prepare<[Buffer]>(`UPDATE objects SET body = NULL WHERE key = ?`);
  const commit = db.transaction((rows: Row[]) => {
    for (const row of rows) {
      if (row.clear) {
        clear.run(row.key);
        continue;
      }
      const seq = Number(journal.run(row.key, row.tmpPath).lastInsertRowid);
      upsert.run(row.key, row.size, row.md5, Date.now(), row.contentType, seq, row.body ?? null);
    }
  });
  index = { commit, wal: open(join(dir, 'index.db-wal'), 'r') };
  return index;
}

/** Commits `row` with every row added during this turn of the event loop; resolves once the WAL is fdatasynced. */
async function indexed(row: Row): Promise<void> {
  const { commit, wal } = openIndex();
  pendingRows.push(row);
  committed ??= new Promise<void>((resolve) =>
    setImmediate(() => {
      const rows = pendingRows;
      pendingRows = [];
      committed = undefined;
      commit(rows);
      resolve();
    }),
  );
  await committed;
  await journalDurable(await wal);
}

/** Temp files made ahead of the PUTs that take them (essential mode), as the service makes them. */
const AHEAD = 8;
const ready: Array<{ path: string; file: FileHandle }> = [];
let making: Promise<void> | undefined;
let batches = 0;

/** AHEAD empty files in a new folder; ready once that folder (their names) and its parent (its name) are fsynced. */
async function makeAhead(): Promise<void> {
  const parent = join(dir, 'tmp');
  const folder = join(parent, `${prefix}-${batches++}`);
  await mkdir(folder, { recursive: true });
  const files = await Promise.all(
    Array.from({ length: AHEAD }, async (_, i) => {
      const path = join(folder, `${i}.tmp`);
      return { path, file: await open(path, 'wx') };
    }),
  );
  await Promise.all([fsyncFolder(folder), fsyncFolder(parent)]);
  ready.push(...files);
}

/** A ready file, if one is; a new batch started once half of the last one is taken. */
function takeReady(): { path: string; file: FileHandle } | undefined {
  const taken = ready.shift();
  if (ready.length <= AHEAD / 2) making ??= makeAhead().finally(() => (making = undefined));
  return taken;
}

async function fsyncFolder(path = dir): Promise<void> {
  const folder = await open(path, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

/** The folder's fsync FOLDER_WINDOW_MS from the first call, shared by every call until it starts. */
function folderSyncSoon(): Promise<void> {
  folderSync ??= new Promise((resolve) => setTimeout(resolve, FOLDER_WINDOW_MS)).then(() => {
    folderSync = undefined;
    return fsyncFolder();
  });
  return folderSync;
}

/** inline-file: the body to its file, durable, then dropped from its row. */
async function materialize(body: Buffer, row: Omit<Row, 'tmpPath'>): Promise<void> {
  const name = `${prefix}-${counter++}`;
  const tmp = join(dir, `${name}.tmp`);
  const file = await open(tmp, 'w');
  try {
    await file.write(body);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, join(dir, name));
  await folderSyncSoon();
  await indexed({ ...row, tmpPath: '', clear: true });
}

async function store(body: Buffer, row: Omit<Row, 'tmpPath'>): Promise<void> {
  if (mode === 'essential' && inline) return indexed({ ...row, tmpPath: '', body });
  if (mode === 'essential' && inlineFile) {
    while (materializing >= MATERIALIZING) await new Promise<void>((resolve) => materializeWaiters.push(resolve));
    materializing++;
    await indexed({ ...row, tmpPath: '', body });
    void materialize(body, row).finally(() => {
      materializing--;
      materializeWaiters.shift()?.();
    });
    return;
  }
  const name = `${prefix}-${counter++}`;
  const ahead = mode === 'essential' ? takeReady() : undefined;
  const tmp = ahead?.path ?? join(dir, `${name}.tmp`);
  const file = ahead?.file ?? (await open(tmp, 'w'));
  await file.write(body);
  if (mode === 'design') {
    // The service's small-body PUT: the journal (with the body) durable, the rename, the 200; the fsyncs after it.
    await journaled(body);
    await rename(tmp, join(dir, name));
    void file.sync().finally(() => file.close());
    void folderSyncSoon();
    return;
  }
  try {
    const journal = mode === 'essential' ? indexed({ ...row, tmpPath: tmp }) : undefined;
    await Promise.all([file.sync(), journal]);
  } finally {
    await file.close();
  }
  await rename(tmp, join(dir, name));
  // The essential mode's own file: its name was never made durable, so the rename must be before the answer.
  if (mode === 'essential' && !ahead) return fsyncFolder();
  if (mode === 'essential') {
    void folderSyncSoon();
    return; // answered before the folder's fsync, as the service answers a PUT that took a temp file made ahead
  }
  if (mode === 'fsync-dir') await fsyncFolder();
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/_health') {
    res.end('ok');
    return;
  }
  if (mode === 'essential' && !signatureValid(req.method ?? '', req.url ?? '', req.headers.host ?? '')) {
    req.resume();
    res.writeHead(403, { 'content-type': 'text/plain' });
    res.end('SignatureDoesNotMatch');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const md5 = createHash('md5').update(body).digest('hex');
    const etag = `"${md5}"`;
    const row = {
      key: Buffer.from(decodeURIComponent((req.url ?? '').split('?')[0])),
      size: body.length,
      md5,
      contentType: req.headers['content-type'] ?? 'binary/octet-stream',
    };
    const done = mode === 'null' ? Promise.resolve() : store(body, row);
    done.then(
      () => {
        res.writeHead(200, { etag, 'content-length': '0' });
        res.end();
      },
      (error: Error) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(error.message);
      },
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
// An orderly exit on SIGTERM, so that `node --cpu-prof` writes its profile (bench/put-profile.ts --baseline).
process.on('SIGTERM', () => process.exit(0));
