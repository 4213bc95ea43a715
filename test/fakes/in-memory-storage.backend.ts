import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { compareKeys, isListed } from '../../src/storage/key-order.js';
import { ancestorKeys, keyToRelativePath } from '../../src/storage/key-path.js';
import { pickHeaders } from '../../src/storage/object-headers.js';
import {
  StorageBackend,
  type ByteRange,
  type ListQuery,
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
  private seq = 0;
  /** Set to make checkWritable report a broken disk. */
  writableError?: string;

  async putObject(input: PutObjectInput): Promise<ObjectMeta> {
    keyToRelativePath(input.key);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const data of input.body) {
      const chunk = typeof data === 'string' ? Buffer.from(data) : (data as Buffer);
      size += chunk.length;
      if (size > input.maxSize)
        throw new StorageError('EntityTooLarge', `The object is larger than ${input.maxSize} bytes.`);
      chunks.push(chunk);
    }
    const checksums = input.checksums?.() ?? {};
    return this.store(input.key, Buffer.concat(chunks), pickHeaders(input), checksums);
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

  async deleteObject(key: string): Promise<boolean> {
    keyToRelativePath(key);
    if (!this.objects.delete(key)) return false;
    this.journal(key, 'delete');
    return true;
  }

  async copyObject(sourceKey: string, targetKey: string, replaceHeaders?: ObjectHeaders): Promise<ObjectMeta> {
    keyToRelativePath(targetKey);
    const source = this.require(sourceKey);
    return this.store(targetKey, Buffer.from(source.bytes), pickHeaders(replaceHeaders ?? source.meta), {
      ...source.meta.checksums,
    });
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

  private store(key: string, bytes: Buffer, headers: ObjectHeaders, checksums: Record<string, string>): ObjectMeta {
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
    const meta: ObjectMeta = {
      ...headers,
      key,
      size: bytes.length,
      md5: createHash('md5').update(bytes).digest('hex'),
      lastModified: new Date(),
      checksums,
    };
    this.objects.set(key, { meta, bytes });
    this.journal(key, 'put');
    return structuredClone(meta);
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

  private journal(key: string, op: 'put' | 'delete'): void {
    this.changes.push({ seq: ++this.seq, key, op });
  }
}
