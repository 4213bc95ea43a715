import { createHash, randomBytes } from 'node:crypto';
import { open, rename } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';

/**
 * The reference points of bench/side-by-side.ts, run as their own process (like the service):
 * - BASELINE_MODE=fsync: the minimal durable PUT of docs/toolchain.md — each body goes to a temp
 *   file, fsync, rename, then 200. No auth check, no index, no directory fsync.
 * - BASELINE_MODE=fsync-dir: the same, then an fsync of the folder before the 200: without it the rename (the
 *   object's name) can be lost on power failure (fsync(2): "an explicit fsync() on a file descriptor for the
 *   directory is also needed"), which is why this service pays it on every PUT.
 * - BASELINE_MODE=null: reads the body and answers 200 without touching the disk: what the client can drive at most.
 * Settings: PORT, DATA_DIR, BASELINE_MODE. Binds 127.0.0.1.
 */
const MODES = ['fsync', 'fsync-dir', 'null'] as const;
const mode = MODES.find((m) => m === process.env.BASELINE_MODE) ?? 'fsync';
const dir = process.env.DATA_DIR ?? '.';
const port = Number(process.env.PORT ?? 0);
let counter = 0;
const prefix = randomBytes(4).toString('hex');

async function store(body: Buffer): Promise<void> {
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
  if (mode === 'fsync-dir') {
    const folder = await open(dir, 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  }
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
