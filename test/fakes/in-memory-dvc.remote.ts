import { buffer } from 'node:stream/consumers';
import { parseDirObject } from '../../src/dvc/dir-object.codec.js';
import { DvcRemote, type ObjectSource, type RemoteHealth } from '../../src/dvc/dvc.remote.js';
import { DvcRemoteError } from '../../src/dvc/dvc-remote.error.js';
import { md5Hex } from '../../src/dvc/md5.util.js';
import { objectRelPath } from '../../src/dvc/object-path.util.js';

/**
 * A DVC remote in memory that behaves like a careful real one: it refuses bytes that do not hash to their
 * id, and (like DVC's trust in a present `.dir`) refuses a `.dir` whose files it does not all hold yet, so
 * a test of the push order fails loudly instead of recording calls.
 */
export class InMemoryDvcRemote extends DvcRemote {
  private readonly objects = new Map<string, Buffer>();
  private readonly failing = new Map<string, string>();
  private unavailable: string | undefined;
  private beforeUpload?: () => Promise<unknown>;
  /** Ids in the order they were stored by `upload` (seeded objects are not listed): what reached the remote, when. */
  readonly arrivals: string[] = [];

  constructor(private readonly label = 'in-memory remote') {
    super();
  }

  describe(): string {
    return this.label;
  }

  /** Makes every upload of `id` fail (until `heal`), as a network or permission error would. */
  failUploadOf(id: string, message = 'simulated upload failure'): this {
    this.failing.set(id, message);
    return this;
  }

  /** Makes every operation fail with `message` (until `heal`). */
  goDown(message = 'simulated outage'): this {
    this.unavailable = message;
    return this;
  }

  heal(): this {
    this.failing.clear();
    this.unavailable = undefined;
    return this;
  }

  /** Puts an object directly, e.g. what a teammate pushed. */
  seed(id: string, content: Buffer | string): this {
    objectRelPath(id); // validates the id
    this.objects.set(id, Buffer.from(content));
    return this;
  }

  has(id: string): boolean {
    return this.objects.has(id);
  }

  get(id: string): Buffer | undefined {
    return this.objects.get(id);
  }

  ids(): string[] {
    return [...this.objects.keys()].sort();
  }

  async missing(ids: readonly string[]): Promise<Set<string>> {
    this.ensureUp();
    ids.forEach(objectRelPath); // validates the ids, as the real remotes do
    return new Set(ids.filter((id) => !this.objects.has(id)));
  }

  /** Runs `action` once, when the next upload starts (before its bytes are opened), e.g. a PUT racing the push. */
  beforeNextUpload(action: () => Promise<unknown>): this {
    this.beforeUpload = action;
    return this;
  }

  async upload(id: string, source: ObjectSource): Promise<void> {
    const race = this.beforeUpload;
    this.beforeUpload = undefined;
    await race?.();
    this.ensureUp();
    objectRelPath(id);
    const failure = this.failing.get(id);
    if (failure) throw new DvcRemoteError(`object ${id}: ${failure}`);
    const body = source();
    const bytes = Buffer.isBuffer(body) ? body : await buffer(body);
    if (md5Hex(bytes) !== id.replace(/\.dir$/, ''))
      throw new DvcRemoteError(
        `object ${id}: the bytes read hash to ${md5Hex(bytes)} (the file changed after it was hashed?); not stored`,
      );
    if (id.endsWith('.dir')) {
      const absent = parseDirObject(bytes, id).filter((entry) => !this.objects.has(entry.md5));
      if (absent.length > 0)
        throw new DvcRemoteError(
          `object ${id}: uploaded before its files (${absent.map((e) => e.relpath).join(', ')})`,
        );
    }
    this.objects.set(id, bytes);
    this.arrivals.push(id);
  }

  async read(id: string): Promise<Buffer | undefined> {
    this.ensureUp();
    return this.objects.get(id);
  }

  async check(): Promise<RemoteHealth> {
    return this.unavailable ? { ok: false, error: `${this.label}: ${this.unavailable}` } : { ok: true };
  }

  private ensureUp(): void {
    if (this.unavailable) throw new DvcRemoteError(`${this.label}: ${this.unavailable}`);
  }
}
