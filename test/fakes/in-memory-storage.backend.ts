import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { compareKeys, isListed } from '../../src/storage/key-order.js';
import { ancestorKeys, keyToRelativePath } from '../../src/storage/key-path.js';
import {
  assertCompletedSize,
  compositeETag,
  fullObjectChecksums,
  keyExists,
  newUpload,
  noSuchUpload,
  selectParts,
} from '../../src/storage/multipart.rules.js';
import { pickHeaders } from '../../src/storage/object-headers.js';
import {
  StorageBackend,
  type ByteRange,
  type CompleteUploadInput,
  type CreateUploadInput,
  type ListQuery,
  type ListUploadsQuery,
  type MultipartUpload,
  type PartMeta,
  type UploadPartInput,
  type ObjectChange,
  type ObjectHeaders,
  type ObjectMeta,
  type PutObjectInput,
} from '../../src/storage/storage.backend.js';
import { StorageError } from '../../src/storage/storage.errors.js';

/**
 * A StorageBackend in memory for unit tests of other modules. Same observable rules as the real one (key
 * validation, "a" vs "a/b", byte-order listing, journal, errors passed through unchanged); no durability.
 * `src/storage/storage-backend.contract.spec.ts` runs the same scenarios against both.
 */
export class InMemoryStorageBackend extends StorageBackend {
  private readonly objects = new Map<string, { meta: ObjectMeta; bytes: Buffer }>();
  private readonly changes: ObjectChange[] = [];
  private readonly uploads = new Map<
    string,
    { upload: MultipartUpload; parts: Map<number, { meta: PartMeta; bytes: Buffer }>; lastActivity: number }
  >();
  private seq = 0;
  /** Set to make checkWritable report a broken disk. */
  writableError?: string;

  async putObject(input: PutObjectInput): Promise<ObjectMeta> {
    keyToRelativePath(input.key);
    const bytes = await readLimited(input.body, input.maxSize);
    const checksums = input.checksums?.() ?? {};
    return this.store(input.key, bytes, pickHeaders(input), checksums);
  }

  async createUpload(input: CreateUploadInput): Promise<MultipartUpload> {
    keyToRelativePath(input.key);
    this.assertPlaceable(input.key);
    const upload = newUpload(input);
    this.uploads.set(upload.uploadId, { upload, parts: new Map(), lastActivity: Date.now() });
    return structuredClone(upload);
  }

  async uploadPart(input: UploadPartInput): Promise<PartMeta> {
    this.requireUpload(input.uploadId, input.key);
    const bytes = await readLimited(input.body, input.maxSize);
    const meta: PartMeta = {
      partNumber: input.partNumber,
      size: bytes.length,
      md5: createHash('md5').update(bytes).digest('hex'),
      lastModified: new Date(),
      checksums: input.checksums?.() ?? {},
    };
    const upload = this.requireUpload(input.uploadId, input.key); // not completed or aborted meanwhile
    upload.parts.set(input.partNumber, { meta, bytes });
    upload.lastActivity = Date.now();
    return structuredClone(meta);
  }

  async listParts(
    uploadId: string,
    key: string,
    page: { afterPart?: number; limit?: number } = {},
  ): Promise<{ upload: MultipartUpload; parts: PartMeta[] }> {
    const { upload, parts } = this.requireUpload(uploadId, key);
    const sorted = [...parts.values()]
      .map((p) => p.meta)
      .filter((p) => p.partNumber > (page.afterPart ?? 0))
      .sort((a, b) => a.partNumber - b.partNumber);
    const limited = page.limit === undefined || page.limit < 0 ? sorted : sorted.slice(0, page.limit);
    return structuredClone({ upload, parts: limited });
  }

  async listUploads(query: ListUploadsQuery): Promise<MultipartUpload[]> {
    const marker = query.keyMarker === undefined ? undefined : this.uploads.get(query.uploadIdMarker ?? '')?.upload;
    const all = [...this.uploads.values()]
      .map((u) => u.upload)
      .filter((u) => u.key.startsWith(query.prefix))
      .sort(
        (a, b) =>
          compareKeys(a.key, b.key) ||
          a.initiated.getTime() - b.initiated.getTime() ||
          (a.uploadId < b.uploadId ? -1 : 1),
      );
    return structuredClone(
      all
        .filter((u) => {
          if (query.keyMarker === undefined) return true;
          const order = compareKeys(u.key, query.keyMarker);
          if (order !== 0) return order > 0;
          if (!marker || marker.key !== query.keyMarker) return false;
          const [t, m] = [u.initiated.getTime(), marker.initiated.getTime()];
          return t > m || (t === m && u.uploadId > marker.uploadId);
        })
        .slice(0, query.limit),
    );
  }

  async completeUpload(input: CompleteUploadInput): Promise<ObjectMeta> {
    keyToRelativePath(input.key);
    const entry = this.requireUpload(input.uploadId, input.key);
    const chosen = selectParts(input.parts, new Map([...entry.parts].map(([n, p]) => [n, p.meta])));
    assertCompletedSize(chosen, input.maxSize);
    if (input.ifNoneMatch && this.objects.has(input.key)) throw keyExists(input.key);
    const bytes = Buffer.concat(chosen.map((p) => entry.parts.get(p.partNumber)!.bytes));
    input.onBytes?.(Buffer.from(bytes));
    const checksums = (await input.checksums?.(structuredClone(chosen))) ?? {};
    const meta = this.store(input.key, bytes, pickHeaders(entry.upload), checksums, {
      etag: compositeETag(chosen.map((p) => p.md5)),
      partSizes: chosen.map((p) => p.size),
    });
    this.uploads.delete(input.uploadId);
    return meta;
  }

  async abortUpload(uploadId: string, key: string): Promise<void> {
    this.requireUpload(uploadId, key);
    this.uploads.delete(uploadId);
  }

  async abortUploadsIdleSince(before: Date): Promise<number> {
    const idle = [...this.uploads.entries()].filter(([, u]) => u.lastActivity < before.getTime());
    for (const [id] of idle) this.uploads.delete(id);
    return idle.length;
  }

  async headObject(key: string): Promise<ObjectMeta> {
    return structuredClone(this.require(key).meta);
  }

  async getObject(key: string, range?: ByteRange): Promise<{ meta: ObjectMeta; body: Readable }> {
    const { meta, bytes } = this.require(key);
    if (range && (range.start < 0 || range.start > range.end || range.end >= meta.size)) {
      throw new StorageError('InvalidRange', `bytes=${range.start}-${range.end} is outside 0-${meta.size - 1}.`);
    }
    const slice = range ? bytes.subarray(range.start, range.end + 1) : bytes;
    return { meta: structuredClone(meta), body: Readable.from([Buffer.from(slice)]) };
  }

  /** No file to link: writes one holding the bytes, which is what a link shows (EEXIST as link(2) when it exists). */
  async linkObject(key: string, target: string, expected: { md5: string; size: number }): Promise<void> {
    const { meta, bytes } = this.require(key);
    if (meta.md5 !== expected.md5 || meta.size !== expected.size) {
      throw new StorageError('PreconditionFailed', `${key} no longer has md5 ${expected.md5}.`);
    }
    await writeFile(target, bytes, { flag: 'wx' });
  }

  async deleteObject(key: string): Promise<boolean> {
    keyToRelativePath(key);
    if (!this.objects.delete(key)) return false;
    this.journal(key, 'delete');
    return true;
  }

  async copyObject(sourceKey: string, targetKey: string, replaceHeaders?: ObjectHeaders): Promise<ObjectMeta> {
    keyToRelativePath(targetKey);
    const source = this.require(sourceKey);
    return this.store(
      targetKey,
      Buffer.from(source.bytes),
      pickHeaders(replaceHeaders ?? source.meta),
      fullObjectChecksums(source.meta.checksums),
    );
  }

  async listObjects(query: ListQuery): Promise<ObjectMeta[]> {
    return [...this.objects.keys()]
      .filter((key) => isListed(key, query))
      .sort(compareKeys)
      .slice(0, query.limit)
      .map((key) => structuredClone(this.objects.get(key)!.meta));
  }

  async countObjects(): Promise<number> {
    return this.objects.size;
  }

  async changesSince(afterSeq: number, limit?: number): Promise<ObjectChange[]> {
    const after = this.changes.filter((c) => c.seq > afterSeq);
    return (limit === undefined ? after : after.slice(0, limit)).map((c) => ({ ...c }));
  }

  async pruneChanges(beforeSeq: number): Promise<void> {
    const newest = this.changes.at(-1);
    const kept = this.changes.filter((c) => c.seq >= beforeSeq || c === newest);
    this.changes.splice(0, this.changes.length, ...kept);
  }

  async lastSeq(): Promise<number> {
    return this.changes.at(-1)?.seq ?? 0;
  }

  async checkWritable(): Promise<{ ok: boolean; error?: string }> {
    return this.writableError === undefined ? { ok: true } : { ok: false, error: this.writableError };
  }

  /** The stored bytes of a key, for assertions. */
  bytesOf(key: string): Buffer | undefined {
    const object = this.objects.get(key);
    return object && Buffer.from(object.bytes);
  }

  private store(
    key: string,
    bytes: Buffer,
    headers: ObjectHeaders,
    checksums: Record<string, string>,
    multipart?: ObjectMeta['multipart'],
  ): ObjectMeta {
    this.assertPlaceable(key);
    const meta: ObjectMeta = {
      ...headers,
      key,
      size: bytes.length,
      md5: createHash('md5').update(bytes).digest('hex'),
      lastModified: new Date(),
      checksums,
    };
    if (multipart) meta.multipart = multipart;
    this.objects.set(key, { meta, bytes });
    this.journal(key, 'put');
    return structuredClone(meta);
  }

  private assertPlaceable(key: string): void {
    for (const ancestor of ancestorKeys(key)) {
      if (this.objects.has(ancestor)) {
        throw new StorageError(
          'ObjectParentIsFile',
          `The key "${ancestor}" is an object, so "${key}" cannot be one too.`,
        );
      }
    }
    if (this.listChildren(key))
      throw new StorageError('ObjectIsParent', `Objects exist under "${key}/", so "${key}" cannot be one too.`);
  }

  private listChildren(key: string): boolean {
    const below = `${key}/`;
    for (const other of this.objects.keys()) if (other.startsWith(below)) return true;
    return false;
  }

  private require(key: string): { meta: ObjectMeta; bytes: Buffer } {
    keyToRelativePath(key);
    const object = this.objects.get(key);
    if (!object) throw new StorageError('NoSuchKey', `No object with the key "${key}".`);
    return object;
  }

  private requireUpload(uploadId: string, key: string) {
    const entry = this.uploads.get(uploadId);
    if (!entry || entry.upload.key !== key) throw noSuchUpload(uploadId);
    return entry;
  }

  private journal(key: string, op: 'put' | 'delete'): void {
    this.changes.push({ seq: ++this.seq, key, op });
  }
}

async function readLimited(body: Readable | Buffer, maxSize: number): Promise<Buffer> {
  if (Buffer.isBuffer(body)) {
    if (body.length > maxSize) throw new StorageError('EntityTooLarge', `The object is larger than ${maxSize} bytes.`);
    return Buffer.from(body);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const data of body) {
    const chunk = typeof data === 'string' ? Buffer.from(data) : (data as Buffer);
    size += chunk.length;
    if (size > maxSize) throw new StorageError('EntityTooLarge', `The object is larger than ${maxSize} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
