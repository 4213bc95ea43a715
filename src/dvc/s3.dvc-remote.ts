import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { pipeline, Transform } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { DvcRemote, type ObjectSource, type RemoteHealth } from './dvc.remote.js';
import { DvcRemoteError } from './dvc-remote.error.js';
import { contentMd5Base64, md5Hex } from './md5.util.js';
import { objectRelPath } from './object-path.util.js';
import { listObjectIds } from './s3-object.lister.js';
import { hashMismatch, idsByFolder, inParallel } from './remote-io.util.js';
import type { S3RemoteSpec } from './remote-spec.types.js';
import { withoutUserInfo } from '../git/remote-url.util.js';

/** A prefix group this small is checked with HEAD requests; a bigger one with one listing (dvc-data also switches from "exists" to "traverse"). */
const HEAD_AT_MOST = 3;
/** Up to this many folders the per-folder way costs a handful of requests: no need to sample the remote's size. */
const FEW_FOLDERS = 3;
const PARALLEL = 8;

/** A DVC remote on S3 or an S3-compatible server (dvc-s3): objects at `<prefix>/files/md5/xx/yyyy…`, no metadata. */
export class S3DvcRemote extends DvcRemote {
  private readonly client: S3Client;
  private readonly root: string;

  /** `spec.timeoutMs` (dvc-s3's `read_timeout`): the idle limit of one request (the SDK retries it, then the flush). */
  constructor(private readonly spec: S3RemoteSpec) {
    super();
    this.client = new S3Client(clientConfig(spec, spec.timeoutMs));
    this.root = spec.prefix ? `${spec.prefix}/` : '';
  }

  describe(): string {
    const where = `s3://${this.spec.bucket}${this.spec.prefix ? `/${this.spec.prefix}` : ''}`;
    const details = [
      this.spec.name && `remote '${this.spec.name}'`,
      this.spec.endpoint && `endpoint ${withoutUserInfo(this.spec.endpoint)}`,
    ].filter(Boolean);
    return details.length > 0 ? `${where} (${details.join(', ')})` : where;
  }

  /**
   * Like dvc-objects `ObjectDB.oids_exist`: a small remote is listed whole (1 request per 1000 objects);
   * a big one is asked folder by folder (`files/md5/xx/`), listing a folder only where it pays off.
   */
  async missing(ids: readonly string[]): Promise<Set<string>> {
    const groups = idsByFolder(ids);
    const result = new Set<string>();
    try {
      if (groups.size > FEW_FOLDERS && (await this.estimatedObjects()) / 1000 < groups.size) {
        const present = (await listObjectIds(this.client, this.spec.bucket, this.root, `${this.root}files/md5/`)).ids;
        for (const id of new Set(ids)) if (!present.has(id)) result.add(id);
        return result;
      }
      await inParallel([...groups.values()], PARALLEL, async (group) => {
        const present = group.length <= HEAD_AT_MOST ? await this.headEach(group) : await this.listGroup(group);
        for (const id of group) if (!present.has(id)) result.add(id);
      });
    } catch (error) {
      if (error instanceof DvcRemoteError) throw error;
      throw new DvcRemoteError(`cannot list ${this.describe()}: ${errorText(error)}`, { cause: error });
    }
    return result;
  }

  async upload(id: string, source: ObjectSource, size?: number): Promise<void> {
    const key = this.keyOf(id);
    const md5 = id.replace(/\.dir$/, '');
    try {
      const opened = source();
      // A stream of unknown length is read into memory first (PutObject needs the length).
      const body = !Buffer.isBuffer(opened) && size === undefined ? await buffer(opened) : opened;
      if (Buffer.isBuffer(body) && !source.hashed && md5Hex(body) !== md5)
        throw hashMismatch(id, md5Hex(body), this.describe());
      const hash = createHash('md5');
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      const sent = Buffer.isBuffer(body) ? body : pipeline(body, hashing, () => undefined); // errors reach the request through `hashing`
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.spec.bucket,
          Key: key,
          Body: sent,
          ContentLength: Buffer.isBuffer(body) ? body.length : size,
          // S3 refuses bytes that do not match (BadDigest); not every S3-compatible server checks, hence the check below.
          ContentMD5: contentMd5Base64(id),
          ServerSideEncryption: this.spec.sse as PutObjectCommand['input']['ServerSideEncryption'],
          SSEKMSKeyId: this.spec.sseKmsKeyId,
          ACL: this.spec.acl as PutObjectCommand['input']['ACL'],
        }),
      );
      if (!Buffer.isBuffer(body) && hash.digest('hex') !== md5) {
        // The file changed while it was streamed: take back the wrong object (it was missing before, nothing referenced it).
        await this.client.send(new DeleteObjectCommand({ Bucket: this.spec.bucket, Key: key }));
        throw hashMismatch(id, 'other bytes', this.describe());
      }
    } catch (error) {
      if (error instanceof DvcRemoteError) throw error;
      throw new DvcRemoteError(`object ${id}: upload to ${this.describe()} failed: ${errorText(error)}`, {
        cause: error,
      });
    }
  }

  async read(id: string): Promise<Buffer | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.spec.bucket, Key: this.keyOf(id) }));
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw new DvcRemoteError(`object ${id}: cannot read from ${this.describe()}: ${errorText(error)}`, {
        cause: error,
      });
    }
  }

  async check(): Promise<RemoteHealth> {
    try {
      await this.client.send(
        new ListObjectsV2Command({ Bucket: this.spec.bucket, Prefix: `${this.root}files/md5/`, MaxKeys: 1 }),
      );
      return { ok: true };
    } catch (error) {
      return { ok: false, error: `${this.describe()}: ${errorText(error)}` };
    }
  }

  /** Closes the HTTP connections. */
  override close(): void {
    this.client.destroy();
  }

  private keyOf(id: string): string {
    return this.root + objectRelPath(id);
  }

  private async headEach(ids: string[]): Promise<Set<string>> {
    const present = new Set<string>();
    for (const id of ids) {
      try {
        await this.client.send(new HeadObjectCommand({ Bucket: this.spec.bucket, Key: this.keyOf(id) }));
        present.add(id);
      } catch (error) {
        if (!isNotFound(error))
          throw new DvcRemoteError(`object ${id}: cannot look in ${this.describe()}: ${errorText(error)}`, {
            cause: error,
          });
      }
    }
    return present;
  }

  /** Lists `files/md5/xx/` from just before the smallest wanted key, stopping once past the largest. */
  private async listGroup(ids: string[]): Promise<Set<string>> {
    const keys = ids.map((id) => this.keyOf(id)).sort();
    const folder = keys[0].slice(0, keys[0].lastIndexOf('/') + 1);
    return (
      await listObjectIds(this.client, this.spec.bucket, this.root, folder, {
        startAfter: keys[0].slice(0, -1),
        stopAt: keys[keys.length - 1],
      })
    ).ids;
  }

  /** dvc-objects `_estimate_remote_size`: one folder of 256, times 256 (a full first page means "big"). */
  private async estimatedObjects(): Promise<number> {
    const sample = await listObjectIds(this.client, this.spec.bucket, this.root, `${this.root}files/md5/00/`, {
      maxPages: 1,
    });
    return sample.truncated ? Infinity : sample.keys * 256;
  }
}

function clientConfig(spec: S3RemoteSpec, timeoutMs: number): S3ClientConfig {
  const region = spec.region ?? 'us-east-1';
  const config: S3ClientConfig = {
    region,
    // Only what S3 requires: older S3-compatible servers reject the SDK's default CRC32 trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (spec.endpoint) {
    config.endpoint = spec.endpoint;
    config.forcePathStyle = true; // MinIO, moto, Ceph… serve buckets by path
  } else if (!spec.useSsl) {
    config.tls = false;
  }
  if (spec.credentials) config.credentials = spec.credentials;
  if (spec.profile) config.profile = spec.profile;
  // Without limits the SDK waits forever on a server that accepted the connection and went silent (no socket
  // timeout by default; `requestTimeout` only logs a warning unless told to throw): a bounded wait, retried by
  // the SDK's standard retry (3 attempts with backoff), then by the flush's own backoff. `socketTimeout` is an
  // idle limit, so a large upload that keeps moving is not cut.
  const timeouts = { connectionTimeout: Math.min(timeoutMs, 10_000), socketTimeout: timeoutMs };
  if (spec.sslVerify === false)
    config.requestHandler = { ...timeouts, httpsAgent: new Agent({ rejectUnauthorized: false }) };
  else if (typeof spec.sslVerify === 'string')
    config.requestHandler = { ...timeouts, httpsAgent: new Agent({ ca: readFileSync(spec.sslVerify) }) };
  else config.requestHandler = timeouts;
  return config;
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/** The SDK's error name and message carry no credentials. */
function errorText(error: unknown): string {
  const e = error as Error;
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`;
}
