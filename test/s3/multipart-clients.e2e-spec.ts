import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client as MinioClient } from 'minio';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { get as httpGet } from 'node:http';
import { Agent as HttpsAgent, get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { runCommand, type ProcessOutput } from '../support/run-command.js';
import { startService, withLogs, type RunningService } from '../support/service.js';
import { toolPaths } from '../support/tools.js';

/**
 * Every common S3 client switches to a multipart upload for large files, with its own part size,
 * concurrency, checksums and framing. Each one here uploads the same 100 MB file with its DEFAULT settings (only
 * endpoint, credentials and path-style addressing are given) and reads it back; the bytes must be the same
 * (sha256), and the object's ETag must be the composite `<md5>-<parts>` that proves the client really went multipart.
 */
const FILE_BYTES = 100 * 1000 * 1000;
const TRANSFER_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'clients', 'transfer_clients.py');

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  // Nothing of this machine's AWS or rclone configuration may change what the clients do.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(AWS_|RCLONE_)/.test(name)),
  ) as Record<string, string>;
  return {
    ...inherited,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    PYTHONDONTWRITEBYTECODE: '1',
    ...extra,
  };
}

/** GET over http or https (trusting `ca`), as text. */
function getText(url: string, ca?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https') ? httpsGet(url, { ca }) : httpGet(url);
    request.on('response', (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve(text));
    });
    request.on('error', reject);
  });
}

function mustSucceed(what: string, result: ProcessOutput): ProcessOutput {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
  return result;
}

describe.each([{ transport: 'http' }, { transport: 'https' }])('multipart uploads over $transport', ({ transport }) => {
  let service: RunningService;
  let work: string;
  let source: string;
  let sourceSha: string;
  let sdk: S3Client;
  const tls = transport === 'https';

  beforeAll(async () => {
    service = await startService({ tls });
    work = mkdtempSync(join(tmpdir(), 'dvc-sync-multipart-'));
    source = join(work, 'source.bin');
    const fd = openSync(source, 'w');
    for (let written = 0; written < FILE_BYTES; written += 1024 * 1024)
      writeSync(fd, randomBytes(Math.min(1024 * 1024, FILE_BYTES - written)));
    closeSync(fd);
    sourceSha = await sha256Of(source);
    sdk = new S3Client({
      endpoint: service.url,
      region: service.region,
      forcePathStyle: true,
      credentials: { accessKeyId: service.accessKeyId, secretAccessKey: service.secretAccessKey },
      ...(tls
        ? { requestHandler: new NodeHttpHandler({ httpsAgent: new HttpsAgent({ ca: service.cert!.certPem }) }) }
        : {}),
    });
  });
  afterAll(async () => {
    sdk?.destroy();
    await service?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** The ETag of a multipart object is `"<32 hex>-<part count>"`: the client went multipart, with several parts. */
  async function expectMultipartObject(key: string, minParts = 2): Promise<number> {
    const head = await sdk.send(new HeadObjectCommand({ Bucket: service.bucket, Key: key }));
    expect(head.ContentLength).toBe(FILE_BYTES);
    const parts = /^"[0-9a-f]{32}-(\d+)"$/.exec(head.ETag ?? '')?.[1];
    expect({ key, etag: head.ETag, multipart: Number(parts) >= minParts }).toEqual({
      key,
      etag: head.ETag,
      multipart: true,
    });
    return Number(parts);
  }

  /** How many requests of an operation the service answered with a status (its own metrics). */
  async function answered(operation: string, status: number): Promise<number> {
    const metrics = await getText(`${service.url}/_admin/metrics`, service.cert?.certPem);
    const line = metrics
      .split('\n')
      .find(
        (l) =>
          l.startsWith('dvc_sync_s3_requests_total{') &&
          l.includes(`operation="${operation}"`) &&
          l.includes(`status="${status}"`),
      );
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  async function expectSameBytes(downloaded: string): Promise<void> {
    expect(await sha256Of(downloaded)).toBe(sourceSha);
    rmSync(downloaded);
  }

  async function pythonTransfer(python: string, client: string, key: string): Promise<void> {
    const download = join(work, `${client}.bin`);
    const input = JSON.stringify({
      endpoint: service.url,
      accessKeyId: service.accessKeyId,
      secretAccessKey: service.secretAccessKey,
      region: service.region,
      bucket: service.bucket,
      key,
      upload: source,
      download,
      caFile: service.cert?.certFile,
    });
    const result = mustSucceed(
      client,
      await runCommand(python, [TRANSFER_SCRIPT, client], { input, env: cleanEnv({}) }),
    );
    const outcome = JSON.parse(result.stdout) as { ok: boolean; error?: string };
    if (!outcome.ok) throw new Error(`${client} failed:\n${outcome.error}`);
    await expectMultipartObject(key);
    await expectSameBytes(download);
  }

  it('aws CLI: aws s3 cp up and down (multipart above 8 MiB by default)', () =>
    withLogs(service, async () => {
      const config = join(work, 'aws-config');
      writeFileSync(config, '[default]\ns3 =\n    addressing_style = path\n');
      const env = cleanEnv({
        AWS_ACCESS_KEY_ID: service.accessKeyId,
        AWS_SECRET_ACCESS_KEY: service.secretAccessKey,
        AWS_DEFAULT_REGION: service.region,
        AWS_CONFIG_FILE: config,
        ...(tls ? { AWS_CA_BUNDLE: service.cert!.certFile } : {}),
      });
      const aws = (...args: string[]) =>
        runCommand(toolPaths().aws, ['--endpoint-url', service.url, 's3', 'cp', '--no-progress', ...args], { env });
      const url = `s3://${service.bucket}/clients/aws-cli.bin`;
      mustSucceed('aws s3 cp (upload)', await aws(source, url));
      // 100 MB in the CLI's default 8 MiB chunks.
      expect(await expectMultipartObject('clients/aws-cli.bin')).toBe(Math.ceil(FILE_BYTES / (8 * 1024 * 1024)));
      mustSucceed('aws s3 cp (download)', await aws(url, join(work, 'aws-cli.bin')));
      await expectSameBytes(join(work, 'aws-cli.bin'));
    }));

  it('boto3: upload_file and download_file with the default TransferConfig', () =>
    withLogs(service, () => pythonTransfer(toolPaths().python, 'boto3', 'clients/boto3.bin')));

  it('AWS JS SDK v3: Upload from @aws-sdk/lib-storage with a stream body, read back with GetObject', () =>
    withLogs(service, async () => {
      const upload = new Upload({
        client: sdk,
        params: { Bucket: service.bucket, Key: 'clients/js-sdk.bin', Body: createReadStream(source) },
      });
      await upload.done();
      await expectMultipartObject('clients/js-sdk.bin');
      const got = await sdk.send(new GetObjectCommand({ Bucket: service.bucket, Key: 'clients/js-sdk.bin' }));
      await pipeline(got.Body as Readable, createWriteStream(join(work, 'js-sdk.bin')));
      await expectSameBytes(join(work, 'js-sdk.bin'));
    }));

  it('s3fs (what DVC and pandas use): a file opened for writing, then for reading', () =>
    withLogs(service, () => pythonTransfer(toolPaths().s3ClientsPython, 's3fs', 'clients/s3fs.bin')));

  it('minio-py: fput_object and fget_object', () =>
    withLogs(service, () => pythonTransfer(toolPaths().s3ClientsPython, 'minio', 'clients/minio-py.bin')));

  it('rclone: rcat streams stdin as a multipart upload, copyto reads it back', () =>
    withLogs(service, async () => {
      const env = cleanEnv({
        RCLONE_CONFIG: '/dev/null',
        RCLONE_CONFIG_DVCSYNC_TYPE: 's3',
        RCLONE_CONFIG_DVCSYNC_PROVIDER: 'Other',
        RCLONE_CONFIG_DVCSYNC_ENDPOINT: service.url,
        RCLONE_CONFIG_DVCSYNC_ACCESS_KEY_ID: service.accessKeyId,
        RCLONE_CONFIG_DVCSYNC_SECRET_ACCESS_KEY: service.secretAccessKey,
        RCLONE_CONFIG_DVCSYNC_REGION: service.region,
        RCLONE_CONFIG_DVCSYNC_FORCE_PATH_STYLE: 'true',
        ...(tls ? { RCLONE_CA_CERT: service.cert!.certFile } : {}),
      });
      const remote = `dvcsync:${service.bucket}/clients/rclone.bin`;
      const rcat = `rclone rcat ${remote} < ${JSON.stringify(source)}`;
      mustSucceed('rclone rcat', await runCommand('bash', ['-c', rcat], { env }));
      await expectMultipartObject('clients/rclone.bin');
      mustSucceed('rclone copyto', await runCommand('rclone', ['copyto', remote, join(work, 'rclone.bin')], { env }));
      await expectSameBytes(join(work, 'rclone.bin'));
    }));

  it('s3cmd: put and get (multipart in 15 MB chunks by default)', () =>
    withLogs(service, async () => {
      const host = new URL(service.url).host;
      const config = join(work, 's3cfg');
      writeFileSync(
        config,
        [
          '[default]',
          `access_key = ${service.accessKeyId}`,
          `secret_key = ${service.secretAccessKey}`,
          `host_base = ${host}`,
          `host_bucket = ${host}`,
          `bucket_location = ${service.region}`,
          `use_https = ${tls ? 'True' : 'False'}`,
          ...(tls ? [`ca_certs_file = ${service.cert!.certFile}`] : []),
          'signature_v2 = False',
          '',
        ].join('\n'),
      );
      const s3cmd = (...args: string[]) =>
        runCommand(toolPaths().s3cmd, ['-c', config, '--no-progress', ...args], { env: cleanEnv({}) });
      const url = `s3://${service.bucket}/clients/s3cmd.bin`;
      mustSucceed('s3cmd put', await s3cmd('put', source, url));
      expect(await expectMultipartObject('clients/s3cmd.bin')).toBe(Math.ceil(FILE_BYTES / (15 * 1024 * 1024)));
      mustSucceed('s3cmd get', await s3cmd('get', '--force', url, join(work, 's3cmd.bin')));
      await expectSameBytes(join(work, 's3cmd.bin'));
    }));

  it('minio-js: putObject of a stream of unknown length (it lists uploads first), then getObject', () =>
    withLogs(service, async () => {
      const url = new URL(service.url);
      const minio = new MinioClient({
        endPoint: url.hostname,
        port: Number(url.port),
        useSSL: tls,
        accessKey: service.accessKeyId,
        secretKey: service.secretAccessKey,
        region: service.region,
        pathStyle: true,
        ...(tls ? { transportAgent: new HttpsAgent({ ca: service.cert!.certPem }) } : {}),
      });
      const listedBefore = await answered('ListMultipartUploads', 200);
      await minio.putObject(service.bucket, 'clients/minio-js.bin', createReadStream(source));
      // Of unknown length, the stream goes in parts sized for the largest object S3 allows: here one part.
      await expectMultipartObject('clients/minio-js.bin', 1);
      expect(await answered('ListMultipartUploads', 200)).toBeGreaterThan(listedBefore);
      // getObject, not fGetObject: the latter tells a missing temp file by `instanceof Error`, which fails for
      // errors of node's own realm inside Jest's VM context (a quirk of the test runner, not of the service).
      const body = await minio.getObject(service.bucket, 'clients/minio-js.bin');
      await pipeline(body, createWriteStream(join(work, 'minio-js.bin')));
      await expectSameBytes(join(work, 'minio-js.bin'));
    }));
});
