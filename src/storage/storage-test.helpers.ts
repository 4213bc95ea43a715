import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ObjectMeta, PutObjectInput } from './storage.backend.js';
import { READY_TEMP_FILES } from './temp-files.js';

// Helpers shared by the storage specs; no test-framework import, so the build can compile it harmlessly.

export function bodyOf(...chunks: Array<string | Buffer>): Readable {
  return Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
}

/** A body that yields some bytes, then fails with exactly `error` (as the S3 layer's verifying streams do). */
export function failingBody(error: Error, before: string = 'partial bytes'): Readable {
  return Readable.from(
    (async function* () {
      yield Buffer.from(before);
      throw error;
    })(),
  );
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function md5(bytes: Buffer | string): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** A put of `key`: a string is streamed (bodyOf), a Buffer given whole, as the S3 layer gives a small body. */
export function putInput(
  key: string,
  body: string | Buffer | Readable,
  extra: Partial<PutObjectInput> = {},
): PutObjectInput {
  return {
    key,
    body: typeof body === 'string' ? bodyOf(body) : body,
    maxSize: 1024 * 1024,
    userMetadata: {},
    ...extra,
  };
}

/** Every file below `root`, as sorted relative POSIX paths (directories only through their files). */
export async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => `${e.parentPath}/${e.name}`.slice(root.length + 1))
    .sort();
}

/**
 * What writes left in tmp/: every file that holds bytes. The empty files created ahead of need (temp-files.ts) are
 * not leftovers, as long as there are no more of them than are kept ready.
 */
export async function tempFilesLeft(tmpDir: string): Promise<string[]> {
  const names = await filesUnder(tmpDir);
  const sizes = await Promise.all(names.map(async (name) => (await stat(join(tmpDir, name))).size));
  const empty = names.filter((_, i) => sizes[i] === 0);
  return names.filter((name, i) => sizes[i] > 0 || empty.length > READY_TEMP_FILES);
}

/** An object's row as the index takes it (no file behind it): for specs of the index alone. */
export function rowMeta(key: string): ObjectMeta {
  return { key, size: 1, md5: 'x', lastModified: new Date(0), userMetadata: {}, checksums: {} };
}

/** Polls until `ready()` holds (real I/O on libuv's pool comes first), at most 10 s. */
export async function until(ready: () => boolean | Promise<boolean>): Promise<void> {
  for (const started = Date.now(); !(await ready()); await sleep(2)) {
    if (Date.now() - started > 10_000) throw new Error('timed out');
  }
}
