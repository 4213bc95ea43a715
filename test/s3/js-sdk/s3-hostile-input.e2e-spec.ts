import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetObjectCommand, HeadObjectCommand, ListObjectsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { presignedUrl, startS3App, xmlText, type S3App } from './s3-app.harness.js';

/**
 * Requests as they come off the wire from clients and from someone probing the server: exact bytes (UTF-8 in
 * header values, transfer codings, Expect values) written on a socket, signed by @smithy/signature-v4 (the
 * JS SDK's signer, independent of the server's verifier).
 */
interface WireAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function parseAnswer(raw: Buffer): WireAnswer {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(head[0].split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { status, headers, body };
}

/** Writes `head` (UTF-8 bytes, as Go, curl and the aws CLI v2 send non-ASCII header values) and `body`; reads to close. */
function onTheWire(app: S3App, head: string, body: Buffer = Buffer.alloc(0)): Promise<WireAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(app.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => resolve(parseAnswer(Buffer.concat(chunks))));
    socket.write(Buffer.concat([Buffer.from(head, 'utf8'), body]));
  });
}

function requestHead(method: string, target: string, headers: Record<string, string>): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `${method} ${target} HTTP/1.1\r\n${lines.join('')}connection: close\r\n\r\n`;
}

/** @smithy/signature-v4 set up as @aws-sdk/client-s3 sets it up. */
function signerFor(app: S3App): SignatureV4 {
  return new SignatureV4({
    service: 's3',
    region: app.region,
    credentials: { accessKeyId: app.accessKeyId, secretAccessKey: app.secretAccessKey },
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
}

async function signedHeaders(
  app: S3App,
  method: string,
  path: string,
  headers: Record<string, string>,
  query: Record<string, string> = {},
): Promise<Record<string, string>> {
  const signed = await signerFor(app).sign(
    {
      method,
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: app.port,
      path,
      query,
      headers: { host: `127.0.0.1:${app.port}`, ...headers },
    },
    { unsignableHeaders: new Set(['expect', 'content-length', 'transfer-encoding', 'connection']) },
  );
  return signed.headers;
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

describe('hostile and unusual requests, on the wire', () => {
  let app: S3App;
  const path = (key: string) => `/${app.bucket}/${key}`;
  const exists = async (key: string) =>
    app
      .client()
      .send(new HeadObjectCommand({ Bucket: app.bucket, Key: key }))
      .then(
        () => true,
        (e: { $metadata?: { httpStatusCode?: number } }) => {
          if (e.$metadata?.httpStatusCode === 404) return false;
          throw e;
        },
      );

  beforeAll(async () => {
    app = await startS3App();
    await app.client().send(new PutObjectCommand({ Bucket: app.bucket, Key: 'secret/x.json', Body: '{"s":1}' }));
  });
  afterAll(() => app?.close());

  it('a presigned PUT URL plus x-amz-copy-source is refused (403): no copy, no ETag of the source, no existence oracle', async () => {
    const url = await presignedUrl(app, path('uploads/mine'));
    const put = (extra: Record<string, string>, body = Buffer.from('mine')) =>
      onTheWire(
        app,
        requestHead('PUT', url, { host: `127.0.0.1:${app.port}`, 'content-length': String(body.length), ...extra }),
        body,
      );
    // presignedUrl signs GET; a PUT URL is the same with the method changed.
    const putUrl = (await presignedPutUrl(app, path('uploads/mine'))).url;
    const viaPut = (extra: Record<string, string>) =>
      onTheWire(
        app,
        requestHead('PUT', putUrl, { host: `127.0.0.1:${app.port}`, 'content-length': '4', ...extra }),
        Buffer.from('mine'),
      );
    expect((await put({})).status).toBe(403); // a GET URL does not allow a PUT
    for (const source of ['/annotations/secret/x.json', '/annotations/no/such/key']) {
      const copy = await viaPut({ 'x-amz-copy-source': source });
      expect({ status: copy.status, code: xmlText(copy.body, 'Code') }).toEqual({ status: 403, code: 'AccessDenied' });
      expect(copy.body.toString()).not.toContain(createHash('md5').update('{"s":1}').digest('hex'));
    }
    const meta = await viaPut({ 'x-amz-meta-owner': 'mallory' });
    expect(meta.status).toBe(403);
    expect(await exists('uploads/mine')).toBe(false);
    // The URL as signed works.
    const plainPut = await viaPut({});
    expect({ status: plainPut.status, body: plainPut.body.toString() }).toEqual({ status: 200, body: '' });
    const stored = await app.client().send(new GetObjectCommand({ Bucket: app.bucket, Key: 'uploads/mine' }));
    expect(await stored.Body!.transformToString()).toBe('mine');
    expect(stored.Metadata).toEqual({});
  });

  it('a key with characters XML 1.0 cannot carry is refused at PUT (InvalidObjectName); listings keep working', async () => {
    const key = 'ctl\x01\x1f\x7fz';
    const body = Buffer.from('x');
    const headers = await signedHeaders(app, 'PUT', path(encodeURIComponent(key)), {
      'x-amz-content-sha256': sha256(body),
      'content-length': '1',
    });
    const put = await onTheWire(app, requestHead('PUT', path(encodeURIComponent(key)), headers), body);
    expect({ status: put.status, code: xmlText(put.body, 'Code') }).toEqual({
      status: 400,
      code: 'InvalidObjectName',
    });
    // Tab, LF and CR are XML characters (escaped as references): such keys stay valid and list back intact.
    const client = app.client();
    await client.send(new PutObjectCommand({ Bucket: app.bucket, Key: 'ws/a\tb\nc\rd', Body: 'w' }));
    const listed = await client.send(new ListObjectsCommand({ Bucket: app.bucket, Prefix: 'ws/' }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['ws/a\tb\nc\rd']);
    const all = await client.send(new ListObjectsCommand({ Bucket: app.bucket }));
    expect(all.Contents?.map((c) => c.Key)).not.toContain(key);
  });

  it('Transfer-Encoding other than chunked is answered 501 NotImplemented and nothing is stored', async () => {
    const body = Buffer.from('3\r\nabc\r\n0\r\n\r\n');
    const headers = await signedHeaders(app, 'PUT', path('te/gzip'), { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' });
    const answer = await onTheWire(
      app,
      requestHead('PUT', path('te/gzip'), { ...headers, 'transfer-encoding': 'gzip, chunked' }),
      body,
    );
    expect({ status: answer.status, code: xmlText(answer.body, 'Code') }).toEqual({
      status: 501,
      code: 'NotImplemented',
    });
    expect(await exists('te/gzip')).toBe(false);
    // Plain chunked is fine.
    const plain = await onTheWire(
      app,
      requestHead('PUT', path('te/plain'), {
        ...(await signedHeaders(app, 'PUT', path('te/plain'), { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' })),
        'transfer-encoding': 'chunked',
      }),
      body,
    );
    expect(plain.status).toBe(200);
  });

  it('an Expect value other than 100-continue is ignored, as AWS does (no bare 417)', async () => {
    const headers = await signedHeaders(app, 'GET', path('secret/x.json'), { 'x-amz-content-sha256': sha256('') });
    const answer = await onTheWire(
      app,
      requestHead('GET', path('secret/x.json'), { ...headers, expect: 'something-else' }),
    );
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe('{"s":1}');
  });

  it('header values are the UTF-8 bytes the client sent: the signature holds and the metadata is stored as sent', async () => {
    const body = Buffer.from('u');
    const value = 'été 😀 ünïcödé';
    const headers = await signedHeaders(app, 'PUT', path('utf8/meta'), {
      'x-amz-content-sha256': sha256(body),
      'content-length': '1',
      'x-amz-meta-title': value,
    });
    const put = await onTheWire(app, requestHead('PUT', path('utf8/meta'), headers), body);
    expect(put.status).toBe(200);
    const head = await app.client().send(new HeadObjectCommand({ Bucket: app.bucket, Key: 'utf8/meta' }));
    // AWS returns non-ASCII metadata RFC 2047-encoded ("Working with object metadata").
    expect(head.Metadata?.title).toBe(`=?UTF-8?B?${Buffer.from(value).toString('base64')}?=`);
  });

  it('an empty Authorization header is an anonymous request: 403 AccessDenied', async () => {
    const answer = await onTheWire(
      app,
      requestHead('GET', path('secret/x.json'), { host: `127.0.0.1:${app.port}`, authorization: '' }),
    );
    expect({ status: answer.status, code: xmlText(answer.body, 'Code') }).toEqual({
      status: 403,
      code: 'AccessDenied',
    });
  });

  it('GET ?versioning answers an empty VersioningConfiguration (a bucket that never had versioning)', async () => {
    const headers = await signedHeaders(
      app,
      'GET',
      `/${app.bucket}`,
      { 'x-amz-content-sha256': sha256('') },
      { versioning: '' },
    );
    const answer = await onTheWire(app, requestHead('GET', `/${app.bucket}?versioning`, headers));
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?><VersioningConfiguration xmlns="http:\/\/s3\.amazonaws\.com\/doc\/2006-03-01\/"\/>$/,
    );
  });

  it('an unsupported operation on a bucket that does not exist answers NoSuchBucket, not NotImplemented', async () => {
    const headers = await signedHeaders(
      app,
      'GET',
      '/no-such-bucket',
      { 'x-amz-content-sha256': sha256('') },
      { acl: '' },
    );
    const answer = await onTheWire(app, requestHead('GET', '/no-such-bucket?acl', headers));
    expect({ status: answer.status, code: xmlText(answer.body, 'Code') }).toEqual({
      status: 404,
      code: 'NoSuchBucket',
    });
  });

  it('object files and storage folders are not readable by other users', async () => {
    await app.client().send(new PutObjectCommand({ Bucket: app.bucket, Key: 'modes/deep/file.json', Body: '{}' }));
    const objects = join(app.dataDir, 'objects');
    expect(statSync(join(objects, 'modes/deep/file.json')).mode & 0o777).toBe(0o640);
    for (const dir of ['objects', 'state', 'tmp', 'objects/modes', 'objects/modes/deep']) {
      expect({ dir, mode: statSync(join(app.dataDir, dir)).mode & 0o777 }).toEqual({ dir, mode: 0o750 });
    }
    const database = readdirSync(join(app.dataDir, 'state')).filter((name) => name.startsWith('storage.db'));
    expect(database.length).toBeGreaterThan(1); // the database and its WAL
    for (const name of database) {
      expect({ name, mode: statSync(join(app.dataDir, 'state', name)).mode & 0o777 }).toEqual({ name, mode: 0o640 });
    }
  });
});

describe('a data folder written by an older version (0755 folders, 0644 files)', () => {
  it('keeps serving its objects, and closes its storage folders to other users', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 's3-modes-'));
    try {
      const first = await startS3App({}, { dataDir });
      await first.client().send(new PutObjectCommand({ Bucket: first.bucket, Key: 'old/a.json', Body: '{"a":1}' }));
      await first.close();
      for (const dir of ['objects', 'objects/old', 'state', 'tmp']) chmodSync(join(dataDir, dir), 0o755);
      chmodSync(join(dataDir, 'objects/old/a.json'), 0o644);

      const again = await startS3App({}, { dataDir });
      try {
        const got = await again.client().send(new GetObjectCommand({ Bucket: again.bucket, Key: 'old/a.json' }));
        expect(await got.Body!.transformToString()).toBe('{"a":1}');
        for (const dir of ['objects', 'state', 'tmp']) {
          expect({ dir, mode: statSync(join(dataDir, dir)).mode & 0o777 }).toEqual({ dir, mode: 0o750 });
        }
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/** A presigned PUT URL as boto3's generate_presigned_url('put_object') makes it: host signed, UNSIGNED-PAYLOAD. */
async function presignedPutUrl(app: S3App, path: string): Promise<{ url: string }> {
  const presigned = await signerFor(app).presign(
    {
      method: 'PUT',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: app.port,
      path,
      query: {},
      // As @aws-sdk/s3-request-presigner prepares it: the payload is not signed (hoisted into the query).
      headers: { host: `127.0.0.1:${app.port}`, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    },
    { expiresIn: 300 },
  );
  const search = Object.entries(presigned.query ?? {})
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`)
    .join('&');
  return { url: `${path}?${search}` };
}
