import {
  GetBucketAclCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { Agent } from 'node:http';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { presignedUrl, rawRequest, RawResponse, S3App, startS3App, xmlText } from './s3-app.harness.js';

/** An S3 error answer: status, S3 XML with the code, RequestId = x-amz-request-id. */
function expectS3Error(response: RawResponse, status: number, code: string): string {
  const body = response.body.toString('utf8');
  expect({ status: response.status, code: xmlText(response.body, 'Code') }).toEqual({ status, code });
  expect(body.startsWith('<?xml version="1.0" encoding="UTF-8"?><Error>')).toBe(true);
  expect(xmlText(response.body, 'RequestId')).toBe(response.headers['x-amz-request-id']);
  return xmlText(response.body, 'Message') ?? '';
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('S3 on the wire: what Label Studio, browsers and wrong clients send', () => {
  let app: S3App;
  let s3: S3Client;
  let object: (key: string) => string;

  beforeAll(async () => {
    app = await startS3App();
    s3 = app.client();
    object = (key) => `/${app.bucket}/${key}`;
  });
  afterAll(() => app.close());

  it('stores a Label Studio PUT (no Content-Type, Expect: 100-continue, key exports//17) byte for byte', async () => {
    const annotation = Buffer.from(
      JSON.stringify({ id: 17, result: [], task: { id: 3, data: { text: 'caf\\u00e9' } } }),
    );
    const put = await rawRequest(app, {
      method: 'PUT',
      path: object('exports//17'),
      body: annotation,
      expectContinue: true,
    });
    expect([put.status, put.continued, put.headers.etag]).toEqual([
      200,
      true,
      `"${createHash('md5').update(annotation).digest('hex')}"`,
    ]);
    const got = await s3.send(new GetObjectCommand({ Bucket: app.bucket, Key: 'exports//17' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(annotation)).toBe(true);
    expect(got.ContentType).toBe('binary/octet-stream');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: app.bucket, Prefix: 'exports/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['exports//17']);
  });

  it('answers a bad signature before asking for the body (no 100 Continue), and the next request still works', async () => {
    const wrongSecret = { accessKeyId: app.accessKeyId, secretAccessKey: 'not-the-secret-at-all' };
    const refused = await rawRequest(app, {
      method: 'PUT',
      path: object('expect/refused'),
      body: Buffer.from('x'.repeat(10_000)),
      expectContinue: true,
      sign: wrongSecret,
    });
    expectS3Error(refused, 403, 'SignatureDoesNotMatch');
    expect(refused.continued).toBe(false);
    const unknownKey = await rawRequest(app, {
      method: 'PUT',
      path: object('expect/refused'),
      body: Buffer.from('x'),
      expectContinue: true,
      sign: { accessKeyId: 'AKUNKNOWN000000000000', secretAccessKey: app.secretAccessKey },
    });
    expectS3Error(unknownKey, 403, 'InvalidAccessKeyId');
    const unsigned = await rawRequest(app, {
      method: 'PUT',
      path: object('expect/refused'),
      body: Buffer.from('x'),
      sign: false,
    });
    expect(unsigned.status).toBe(403);
    expect((await rawRequest(app, { method: 'HEAD', path: object('expect/refused') })).status).toBe(404);
  });

  it('answers the next request on a keep-alive agent after refusing a body it had started to read (EntityTooLarge)', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // Length unknown up front, so the limit is only hit while reading: the rest must be drained, not left in the socket.
      const tooLarge = await rawRequest(app, {
        method: 'PUT',
        path: object('large/refused'),
        body: Buffer.alloc(app.maxObjectSize * 4),
        agent,
        chunked: true,
      });
      expectS3Error(tooLarge, 400, 'EntityTooLarge');
      const next = await rawRequest(app, { method: 'HEAD', path: object('large/refused'), agent });
      // Whether the client reuses the socket depends on how far it got writing the body when the answer
      // came (a race on a loaded machine); what must hold is that the next request on the agent is answered.
      expect(next.status).toBe(404);
    } finally {
      agent.destroy();
    }
  }, 30_000);

  it('the JS SDK with a wrong secret gets SignatureDoesNotMatch, an unknown key id InvalidAccessKeyId; nothing is written', async () => {
    const failure = (client: S3Client) =>
      client.send(new PutObjectCommand({ Bucket: app.bucket, Key: 'auth/denied', Body: Buffer.from('x') })).then(
        () => 'stored',
        (e: S3ServiceException) => `${e.$metadata.httpStatusCode} ${e.name}`,
      );
    expect(
      await failure(
        app.client({ credentials: { accessKeyId: app.accessKeyId, secretAccessKey: 'wrong-secret-wrong-secret' } }),
      ),
    ).toBe('403 SignatureDoesNotMatch');
    expect(
      await failure(app.client({ credentials: { accessKeyId: 'AKNOBODY', secretAccessKey: app.secretAccessKey } })),
    ).toBe('403 InvalidAccessKeyId');
    expect((await rawRequest(app, { method: 'HEAD', path: object('auth/denied') })).status).toBe(404);
  });

  it('refuses traversal keys with an S3 error about the key and writes nothing', async () => {
    const before = filesUnder(app.dataDir).length;
    for (const key of ['%2e%2e/escape-1', 'a/%2E%2E/%2E%2E/escape-2', '..%2Fescape-3', 'x/./escape-4']) {
      const put = await rawRequest(app, {
        method: 'PUT',
        path: object(key),
        body: Buffer.from('escape'),
        expectContinue: true,
      });
      expectS3Error(put, 400, 'InvalidObjectName');
      expect(put.continued).toBe(false);
    }
    expect(filesUnder(app.dataDir).filter((f) => f.includes('escape'))).toEqual([]);
    expect(filesUnder(app.dataDir).length).toBe(before);
  });

  it('answers unsupported operations with 501 NotImplemented S3 XML that says what is missing', async () => {
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: app.bucket })).catch((e: S3ServiceException) => e);
    expect([(acl as S3ServiceException).name, (acl as S3ServiceException).$metadata.httpStatusCode]).toEqual([
      'NotImplemented',
      501,
    ]);
    const raw = await rawRequest(app, { method: 'GET', path: `/${app.bucket}?versions` });
    expect(expectS3Error(raw, 501, 'NotImplemented')).toMatch(/versions/);
    const deleteBucket = await rawRequest(app, { method: 'DELETE', path: `/${app.bucket}` });
    expectS3Error(deleteBucket, 501, 'NotImplemented');
  });

  it('refuses a PUT asking for tags (never a silent success) and stores nothing, but accepts a canned ACL', async () => {
    const tagged = await s3
      .send(new PutObjectCommand({ Bucket: app.bucket, Key: 'tags/refused', Body: 'x', Tagging: 'team=labels' }))
      .catch((e: S3ServiceException) => e);
    expect([(tagged as S3ServiceException).name, (tagged as S3ServiceException).message]).toEqual([
      'NotImplemented',
      expect.stringMatching(/tagging/i),
    ]);
    const missing = await s3
      .send(new GetObjectCommand({ Bucket: app.bucket, Key: 'tags/refused' }))
      .catch((e: S3ServiceException) => e);
    expect((missing as S3ServiceException).name).toBe('NoSuchKey');
    await s3.send(new PutObjectCommand({ Bucket: app.bucket, Key: 'tags/acl', Body: 'x', ACL: 'private' }));
  });

  it('answers HEAD errors with status and headers only, and every answer carries request ids', async () => {
    const head = await rawRequest(app, { method: 'HEAD', path: object('missing') });
    expect([head.status, head.body.length]).toEqual([404, 0]);
    expect(head.headers['x-amz-request-id']).toMatch(/^[0-9A-F]{16}$/);
    expect(head.headers['x-amz-id-2']).toBeTruthy();
    const ok = await rawRequest(app, { method: 'HEAD', path: `/${app.bucket}` });
    expect([ok.status, ok.headers['x-amz-bucket-region']]).toEqual([200, app.region]);
    expect(ok.headers['x-amz-request-id']).not.toBe(head.headers['x-amz-request-id']);
  });

  it('paths that are not S3 buckets get InvalidBucketName, and malformed escapes InvalidURI', async () => {
    expectS3Error(
      await rawRequest(app, { method: 'GET', path: '/_private/health', sign: false }),
      400,
      'InvalidBucketName',
    );
    expectS3Error(await rawRequest(app, { method: 'GET', path: object('%ZZ'), sign: false }), 400, 'InvalidURI');
  });

  it('answers a CORS preflight without credentials, and adds CORS headers to signed answers from a browser', async () => {
    const preflight = await rawRequest(app, {
      method: 'OPTIONS',
      path: object('media/image.png'),
      sign: false,
      headers: {
        origin: 'http://localhost:8080',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'range',
      },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://localhost:8080');
    expect(preflight.headers['access-control-allow-methods']).toContain('GET');
    expect(preflight.headers['access-control-allow-headers']).toBe('range');
    await s3.send(
      new PutObjectCommand({
        Bucket: app.bucket,
        Key: 'media/image.png',
        Body: Buffer.from('png'),
        Metadata: { source: 'ls' },
      }),
    );
    const get = await rawRequest(app, {
      method: 'GET',
      path: object('media/image.png'),
      headers: { origin: 'http://localhost:8080' },
    });
    expect([get.status, get.body.toString()]).toEqual([200, 'png']);
    expect(get.headers['access-control-allow-origin']).toBe('http://localhost:8080');
    expect(String(get.headers['access-control-expose-headers'])).toMatch(/ETag.*x-amz-request-id.*x-amz-meta-source/);
  });

  it('serves a presigned GET to a browser: no credentials but the URL, response-content-type applied, CORS headers', async () => {
    await s3.send(
      new PutObjectCommand({ Bucket: app.bucket, Key: 'media/photo 1.jpg', Body: Buffer.from('jpeg-bytes') }),
    );
    const path = await presignedUrl(app, object('media/photo%201.jpg'), { 'response-content-type': 'image/jpeg' });
    const got = await rawRequest(app, {
      method: 'GET',
      path,
      sign: false,
      headers: { origin: 'http://localhost:8080' },
    });
    expect([got.status, got.body.toString(), got.headers['content-type']]).toEqual([200, 'jpeg-bytes', 'image/jpeg']);
    expect(got.headers['access-control-allow-origin']).toBe('http://localhost:8080');
    const tampered = await rawRequest(app, {
      method: 'GET',
      path: path.replace('image%2Fjpeg', 'text%2Fhtml'),
      sign: false,
    });
    expectS3Error(tampered, 403, 'SignatureDoesNotMatch');
  });

  it('checks the DeleteObjects body: no checksum → InvalidRequest, wrong Content-MD5 → BadDigest', async () => {
    const body = Buffer.from(`<Delete><Object><Key>media/image.png</Key></Object></Delete>`);
    expectS3Error(
      await rawRequest(app, { method: 'POST', path: `/${app.bucket}?delete`, body }),
      400,
      'InvalidRequest',
    );
    const wrongMd5 = createHash('md5').update('other').digest('base64');
    expectS3Error(
      await rawRequest(app, {
        method: 'POST',
        path: `/${app.bucket}?delete`,
        body,
        headers: { 'content-md5': wrongMd5 },
      }),
      400,
      'BadDigest',
    );
    expect((await rawRequest(app, { method: 'HEAD', path: object('media/image.png') })).status).toBe(200);
  });
});
