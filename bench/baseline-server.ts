import { createHash, randomBytes } from 'node:crypto';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';

/**
 * The reference points of bench/side-by-side.ts, run as their own process (like the service):
 * - BASELINE_MODE=fsync: the minimal durable PUT of docs/toolchain.md — each body goes to a temp
 *   file, fsync, rename, then 200. No auth check, no index, no directory fsync.
 * - BASELINE_MODE=fsync-dir: the same, then an fsync of the folder before the 200: without it the rename (the
 *   object's name) can be lost on power failure (fsync(2): "an explicit fsync() on a file descriptor for the
 *   directory is also needed"), which is why this service pays it on every PUT.
 * - BASELINE_MODE=design: this service's disk work per PUT with none of its CPU (no signature, no SQLite, no
 *   locks): the body's fsync and, beside it, the fdatasync of a journal standing in for the index's WAL
 *   (JOURNAL_BYTES written in place per PUT, one fdatasync shared by every PUT that wrote before it started, as the
 *   service's group commit shares it), then the rename and the 200; the folder's fsync runs after the answer, once
 *   per FOLDER_WINDOW_MS (the service's FOLDER_FSYNC_WINDOW_MS), shared. What it does not model: the service takes
 *   a temp file created ahead (this one opens its own on the PUT's path).
 * - BASELINE_MODE=null: reads the body and answers 200 without touching the disk: what the client can drive at most.
 * Settings: PORT, DATA_DIR, BASELINE_MODE. Binds 127.0.0.1.
 */
const MODES = ['fsync', 'fsync-dir', 'design', 'null'] as const;
const mode = MODES.find((m) => m === process.env.BASELINE_MODE) ?? 'fsync';
const dir = process.env.DATA_DIR ?? '.';
const port = Number(process.env.PORT ?? 0);
let counter = 0;
const prefix = randomBytes(4).toString('hex');

/** What one PUT's commit adds to the WAL: the pages of the object row, the change journal and the intent (~5). */
const JOURNAL_BYTES = 20 * 1024;
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
    await file.write(Buffer.alloc(JOURNAL_BYTES * JOURNAL_SLOTS));
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

async function journaled(): Promise<void> {
  const file = await journalFile();
  await file.write(
    Buffer.alloc(JOURNAL_BYTES, journalSlot & 0xff),
    0,
    JOURNAL_BYTES,
    (journalSlot++ % JOURNAL_SLOTS) * JOURNAL_BYTES,
  );
  await journalDurable(file);
}

async function fsyncFolder(): Promise<void> {
  const folder = await open(dir, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

async function store(body: Buffer): Promise<void> {
  const name = `${prefix}-${counter++}`;
  const tmp = join(dir, `${name}.tmp`);
  const file = await open(tmp, 'w');
  try {
    await file.write(body);
    await Promise.all([file.sync(), mode === 'design' ? journaled() : undefined]);
  } finally {
    await file.close();
  }
  await rename(tmp, join(dir, name));
  if (mode === 'design') {
    folderSync ??= new Promise((resolve) => setTimeout(resolve, FOLDER_WINDOW_MS)).then(() => {
      folderSync = undefined;
      return fsyncFolder();
    });
    return; // answered before the folder's fsync, as the service answers a PUT that took a temp file made ahead
  }
  if (mode === 'fsync-dir') await fsyncFolder();
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/_health') {
    res.end('ok');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    const done = mode === 'null' ? Promise.resolve() : store(body);
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
