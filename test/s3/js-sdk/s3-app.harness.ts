import { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { ConsoleLogger, type INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ScheduleModule } from '@nestjs/schedule';
import { Test } from '@nestjs/testing';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest, IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProjectSettings, S3KeyPair } from '../../../src/config/project.settings.js';

/** A project of a multi-project app: its bucket, and its own pair (else the global one). */
export interface TestProject {
  bucket: string;
  keys?: S3KeyPair;
}

/**
 * The S3 module (with the projects it serves: the environment's one) served in-process by Nest on an ephemeral 127.0.0.1 port, over a real DATA_DIR (temp folder),
 * with the app settings of src/bootstrap.ts that matter to S3: no body parser, simple query parser.
 */
export interface S3App {
  endpoint: string;
  port: number;
  dataDir: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  maxObjectSize: number;
  /** Everything the app logged, as `level context: message` lines. */
  logs: string[];
  client(config?: Partial<S3ClientConfig>): S3Client;
  close(): Promise<void>;
}

/** Keeps log lines for assertions; errors and warnings are also printed, so a failing test shows them. */
class RecordingLogger extends ConsoleLogger {
  readonly lines: string[] = [];
  private record(level: string, message: unknown, rest: unknown[]) {
    const context = rest.length > 0 ? String(rest[rest.length - 1]) : '';
    this.lines.push(`${level} ${context}: ${String(message)}`);
  }
  override log(message: unknown, ...rest: unknown[]) {
    this.record('log', message, rest);
  }
  override warn(message: unknown, ...rest: unknown[]) {
    this.record('warn', message, rest);
  }
  override error(message: unknown, ...rest: unknown[]) {
    this.record('error', message, rest);
    super.error(message, ...rest);
  }
}

/**
 * `settings` override the test environment (an empty string unsets a setting). With `dataDir` the folder is the
 * caller's (kept at close), e.g. to start twice on the same data.
 */
export async function startS3App(
  settings: Record<string, string> = {},
  options: { dataDir?: string; projects?: TestProject[] } = {},
): Promise<S3App> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 's3-http-'));
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    S3_ACCESS_KEY_ID: `AKJS${randomBytes(8).toString('hex').toUpperCase()}`,
    S3_SECRET_ACCESS_KEY: randomBytes(30).toString('base64'),
    S3_BUCKET: 'annotations',
    S3_REGION: 'us-east-1',
    S3_MAX_OBJECT_SIZE: String(1024 * 1024),
    LOG_LEVEL: 'error',
    ...settings,
  };
  Object.assign(process.env, env);
  // Imported only now: the config module validates process.env when it is loaded.
  const { AppConfigModule } = await import('../../../src/config/app-config.module.js');
  const { S3Module } = await import('../../../src/s3/s3.module.js');
  const { ProjectsModule } = await import('../../../src/projects/projects.module.js');
  const { projectsConfig } = await import('../../../src/config/configuration.js');
  const { projectDataDir } = await import('../../../src/config/data-dir.layout.js');
  const { S3CredentialsProvider } = await import('../../../src/s3/credentials/s3-credentials.provider.js');
  const logger = new RecordingLogger();
  let testing = Test.createTestingModule({
    imports: [AppConfigModule, ScheduleModule.forRoot(), ProjectsModule, S3Module],
  }).setLogger(logger);
  if (options.projects) {
    // As the projects file makes them: the environment's project as the template, each in its own folder.
    const config = projectsConfig();
    const [template] = config.projects;
    const projects: ProjectSettings[] = options.projects.map(({ bucket, keys }) => ({
      ...template,
      bucket,
      keys,
      dataDir: projectDataDir(dataDir, bucket),
    }));
    testing = testing.overrideProvider(projectsConfig.KEY).useValue({ ...config, projects });
  }
  const moduleRef = await testing.compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger });
  app.set('etag', false);
  app.set('x-powered-by', false);
  app.set('query parser', 'simple');
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: S3Client[] = [];
  // From the service itself: the environment's, or the generated ones when the environment has none.
  const credentials = app.get(S3CredentialsProvider).current();
  return {
    endpoint,
    port,
    dataDir,
    bucket: env.S3_BUCKET,
    region: env.S3_REGION,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    maxObjectSize: Number(env.S3_MAX_OBJECT_SIZE),
    logs: logger.lines,
    client(config = {}) {
      const client = new S3Client({
        endpoint,
        region: env.S3_REGION,
        forcePathStyle: true,
        credentials,
        maxAttempts: 1,
        ...config,
      });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) client.destroy();
      await (app as INestApplication).close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** node:crypto behind the Checksum interface SignatureV4 wants. */
class NodeSha256 {
  private hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  private readonly secret?: Buffer;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret =
      secret === undefined
        ? undefined
        : typeof secret === 'string'
          ? Buffer.from(secret)
          : Buffer.from(secret as ArrayBuffer);
    this.hash = this.fresh();
  }
  private fresh() {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : Buffer.from(data as ArrayBuffer));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

function signer(app: S3App, credentials?: { accessKeyId: string; secretAccessKey: string }): SignatureV4 {
  return new SignatureV4({
    service: 's3',
    region: app.region,
    credentials: credentials ?? { accessKeyId: app.accessKeyId, secretAccessKey: app.secretAccessKey },
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
}

/** A presigned URL (query-string SigV4), like the ones Label Studio hands to the annotator's browser. */
export async function presignedUrl(
  app: S3App,
  path: string,
  query: Record<string, string> = {},
  expiresIn = 60,
  credentials?: { accessKeyId: string; secretAccessKey: string },
): Promise<string> {
  const presigned = await signer(app, credentials).presign(
    {
      method: 'GET',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: app.port,
      path,
      query,
      headers: { host: `127.0.0.1:${app.port}` },
    },
    { expiresIn },
  );
  const search = Object.entries(presigned.query ?? {})
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`)
    .join('&');
  return `${path}?${search}`;
}

export interface RawRequest {
  method: string;
  /** Sent exactly as given (no normalisation): e.g. '/annotations/exports//17'. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Sign with the app's credentials (default), other ones, or not at all. */
  sign?: { accessKeyId: string; secretAccessKey: string } | false;
  /** Send `Expect: 100-continue` and the body only once the server asks for it. */
  expectContinue?: boolean;
  /** E.g. a keep-alive agent with one socket, to see whether the connection survives. */
  agent?: Agent;
  /** Send the body with Transfer-Encoding: chunked and UNSIGNED-PAYLOAD, its length unknown up front. */
  chunked?: boolean;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Whether the server sent `100 Continue` (i.e. asked for the body). */
  continued: boolean;
  /** Whether the request went over a connection an earlier request had used (keep-alive). */
  reusedSocket: boolean;
}

/** One HTTP request signed like botocore signs it (payload hash = hex sha256, Host with port). */
export async function rawRequest(app: S3App, spec: RawRequest): Promise<RawResponse> {
  const body = spec.body ?? Buffer.alloc(0);
  const [pathname, query = ''] = spec.path.split('?');
  let headers: Record<string, string> = {
    host: `127.0.0.1:${app.port}`,
    ...(spec.chunked
      ? { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'transfer-encoding': 'chunked' }
      : {
          'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
          'content-length': String(body.length),
        }),
    ...spec.headers,
  };
  if (spec.expectContinue) headers.expect = '100-continue';
  if (spec.sign !== false) {
    const queryParams = Object.fromEntries(new URLSearchParams(query));
    const signed = await signer(app, spec.sign).sign(
      {
        method: spec.method,
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: app.port,
        path: pathname,
        query: queryParams,
        headers,
      },
      { unsignableHeaders: new Set(['expect', 'content-length', 'transfer-encoding']) },
    );
    headers = signed.headers;
  }
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = httpRequest({
      host: '127.0.0.1',
      port: app.port,
      method: spec.method,
      path: spec.path,
      headers,
      agent: spec.agent,
    });
    req.on('error', reject);
    req.on('continue', () => {
      continued = true;
      req.end(body);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        // A final answer to Expect: 100-continue means: do not send the body (RFC 9110 §10.1.1).
        if (spec.expectContinue && !continued) req.destroy();
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          continued,
          reusedSocket: req.reusedSocket,
        });
      });
      res.on('error', reject);
    });
    if (!spec.expectContinue) req.end(body);
  });
}

/** The text of one XML element of a raw answer. */
export function xmlText(body: Buffer, element: string): string | undefined {
  return new RegExp(`<${element}>([^<]*)</${element}>`).exec(body.toString('utf8'))?.[1];
}
