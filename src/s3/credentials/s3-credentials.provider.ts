import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { dataDirLayout } from '../../config/data-dir.layout.js';
import type { ConfigType } from '@nestjs/config';
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { s3Config, storageConfig } from '../../config/configuration.js';
import type { S3Credentials } from '../auth/sigv4.types.js';
import { ServedBuckets } from '../buckets/served-buckets.port.js';
import { generateCredentials, parseCredentialsFile, serializeCredentials } from './credentials.file.js';
import { buildKeyRing, type S3KeyRing } from './s3-key.ring.js';

/**
 * The key pairs S3 clients sign with. The global pair: S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY when set; otherwise
 * the pair kept in DATA_DIR/credentials.json, generated on the first start (zero-config quick start). It serves
 * every project without a pair of its own; a project's own pair serves that project only (`keyRing`). A generated secret is
 * logged exactly once, at the start that created it — the only place a secret is ever logged (the user needs it
 * to configure Label Studio); later starts name the file instead.
 */
@Injectable()
export class S3CredentialsProvider implements OnModuleInit {
  private readonly logger = new Logger('S3Credentials');
  private credentials?: S3Credentials;
  private ring?: S3KeyRing;

  constructor(
    @Inject(s3Config.KEY) private readonly s3: ConfigType<typeof s3Config>,
    @Inject(storageConfig.KEY) private readonly storage: ConfigType<typeof storageConfig>,
    private readonly buckets: ServedBuckets,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.loadGlobalPair();
    this.ring = buildKeyRing(this.current(), this.buckets.all());
  }

  private async loadGlobalPair(): Promise<void> {
    if (this.s3.accessKeyId && this.s3.secretAccessKey) {
      this.credentials = { accessKeyId: this.s3.accessKeyId, secretAccessKey: this.s3.secretAccessKey };
      this.logger.log(`S3 access key id ${this.s3.accessKeyId} (from S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY)`);
      return;
    }
    const path = dataDirLayout(this.storage.dataDir).credentials;
    const existing = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (existing !== undefined) {
      this.credentials = parseCredentialsFile(existing, path);
      this.logger.log(`S3 access key id ${this.credentials.accessKeyId} (from ${path}; the secret is in that file)`);
      return;
    }
    const generated = generateCredentials();
    if (!(await createExclusively(path, serializeCredentials(generated, new Date())))) {
      // Another process created it first: use theirs, so both agree.
      this.credentials = parseCredentialsFile(await readFile(path, 'utf8'), path);
      return;
    }
    this.credentials = generated;
    // The secret stays in the file: logs are kept, shipped and shared, and a secret in them is a leak.
    this.logger.warn(
      `Generated S3 credentials (no S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY set): access key id ${generated.accessKeyId}; ` +
        `the secret access key is in ${path} (mode 0600, reused on every start). Read it with: cat ${path}`,
    );
  }

  /** Every pair this server accepts, and the buckets each may use. */
  keyRing(): S3KeyRing {
    if (!this.ring)
      throw new Error('S3 credentials are not loaded yet (S3CredentialsProvider.onModuleInit has not run)');
    return this.ring;
  }

  /** The global pair. */
  current(): S3Credentials {
    if (!this.credentials)
      throw new Error('S3 credentials are not loaded yet (S3CredentialsProvider.onModuleInit has not run)');
    return this.credentials;
  }
}

/**
 * tmp file (0600) → fsync → link to the final name (fails if it exists, unlike rename) → fsync the folder:
 * the file is either absent or complete, and never replaced. Resolves false when it already existed.
 */
async function createExclusively(path: string, content: string): Promise<boolean> {
  const dir = join(path, '..');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const file = await open(tmp, 'wx', 0o600);
  try {
    await file.writeFile(content, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await link(tmp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  const folder = await open(dir, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
  return true;
}
