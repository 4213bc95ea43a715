import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunningService, startService, withLogs } from '../support/service.js';
import { boto3, okResponse, Op, OpResult, RawResponse } from './clients/boto3.js';
import { allFiles, expectS3Error, filesContaining } from './clients/s3-expect.js';

// Invariant 5 (docs/architecture.md): bad input gets an S3 error and writes nothing. Each refusal below is paired with
// the same request done right, which must succeed: a refusal then proves the check, not a broken request.
const raw = (result: OpResult) => okResponse(result) as RawResponse;
const headers = (result: OpResult) => result.error?.headers ?? {};

describe('S3 errors (raw signed requests and boto3, over http)', () => {
  let service: RunningService;
  let root: string; // DATA_DIR sits three levels below: every ../ of a traversal key stays inside `root`
  const path = (key: string) => `/${service.bucket}/${key}`;
  const exists = async (key: string) => {
    const [head] = await boto3(service, [{ call: 'head_object', params: { Bucket: service.bucket, Key: key } }]);
    if (!head.ok && head.error?.status !== 404) throw new Error(`HEAD ${key}: ${JSON.stringify(head.error)}`);
    return head.ok;
  };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'dvc-sync-errors-'));
    const dataDir = join(root, 'a', 'b', 'data');
    mkdirSync(dataDir, { recursive: true });
    service = await startService({ dataDir });
  });
  afterAll(async () => {
    await service?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('refuses a wrong secret (SignatureDoesNotMatch) and an unknown key id (InvalidAccessKeyId), storing nothing', () =>
    withLogs(service, async () => {
      const put = (Key: string, client: Record<string, string>): Op => ({
        call: 'put_object',
        params: { Bucket: service.bucket, Key, Body: Buffer.from('x') },
        client,
      });
      const [wrongSecret, unknownKey, rawWrongSecret, rawUnknownKey] = await boto3(service, [
        put('auth/wrong-secret', { secretAccessKey: `${service.secretAccessKey}x` }),
        put('auth/unknown-key', { accessKeyId: 'AKIAUNKNOWNKEY000000' }),
        { signed: { method: 'GET', path: path('auth/any'), secretAccessKey: `${service.secretAccessKey}x` } },
        { signed: { method: 'GET', path: path('auth/any'), accessKeyId: 'AKIAUNKNOWNKEY000000' } },
      ]);
      expect(wrongSecret.error).toMatchObject({ code: 'SignatureDoesNotMatch', status: 403 });
      expect(unknownKey.error).toMatchObject({ code: 'InvalidAccessKeyId', status: 403 });
      expect(headers(wrongSecret)['x-amz-request-id']).toEqual(expect.any(String));
      expectS3Error(raw(rawWrongSecret), 403, 'SignatureDoesNotMatch');
      expectS3Error(raw(rawUnknownKey), 403, 'InvalidAccessKeyId');
      expect(await exists('auth/wrong-secret')).toBe(false);
      expect(await exists('auth/unknown-key')).toBe(false);
    }));

  it('refuses a request signed 20 minutes off (RequestTimeTooSkewed), accepts it on time', () =>
    withLogs(service, async () => {
      const signed = (key: string, skewSeconds: number): Op => ({
        signed: { method: 'PUT', path: path(key), body: Buffer.from('on time'), skewSeconds },
      });
      const [late, early, onTime] = await boto3(service, [
        signed('skew/late', -1200),
        signed('skew/early', 1200),
        signed('skew/on-time', 0),
      ]);
      expectS3Error(raw(late), 403, 'RequestTimeTooSkewed');
      expectS3Error(raw(early), 403, 'RequestTimeTooSkewed');
      expect(raw(onTime).status).toBe(200);
      expect(await exists('skew/late')).toBe(false);
      expect(await exists('skew/early')).toBe(false);
    }));

  it('refuses a body changed after signing (XAmzContentSHA256Mismatch) and stores nothing', () =>
    withLogs(service, async () => {
      const body = Buffer.from('{"label": "cat"}');
      const [tampered, intact] = await boto3(service, [
        { signed: { method: 'PUT', path: path('sha/tampered'), body, sendBody: Buffer.from('{"label": "dog"}') } },
        { signed: { method: 'PUT', path: path('sha/intact'), body } },
      ]);
      expectS3Error(raw(tampered), 400, 'XAmzContentSHA256Mismatch');
      expect(raw(intact).status).toBe(200);
      expect(await exists('sha/tampered')).toBe(false);
    }));

  it('refuses a bad chunk signature in a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body and stores nothing', () =>
    withLogs(service, async () => {
      const data = randomBytes(150 * 1024); // three chunks of 64 KiB and the final empty one
      const [badChunk, good, got] = await boto3(service, [
        { chunked: { path: path('chunked/bad'), data, corruptChunk: 1 } },
        { chunked: { path: path('chunked/good'), data } },
        { call: 'get_object', params: { Bucket: service.bucket, Key: 'chunked/good' } },
      ]);
      expectS3Error(raw(badChunk), 403, 'SignatureDoesNotMatch');
      expect(raw(good).status).toBe(200);
      expect(raw(good).headers.etag).toBe(`"${createHash('md5').update(data).digest('hex')}"`);
      expect(Buffer.compare(okResponse(got).Body, data)).toBe(0);
      expect(await exists('chunked/bad')).toBe(false);
    }));

  it('refuses a wrong trailing checksum (BadDigest) and stores nothing', () =>
    withLogs(service, async () => {
      const data = Buffer.from('{"id": 1, "result": []}');
      const [wrong, right, got] = await boto3(service, [
        { trailer: { path: path('trailer/wrong'), data, checksum: 'AAAAAA==' } },
        { trailer: { path: path('trailer/right'), data } },
        { call: 'get_object', params: { Bucket: service.bucket, Key: 'trailer/right' } },
      ]);
      expectS3Error(raw(wrong), 400, 'BadDigest');
      expect(raw(right).status).toBe(200);
      expect(okResponse(got).Body.toString()).toBe(data.toString());
      expect(await exists('trailer/wrong')).toBe(false);
    }));

  it('checks Content-MD5: BadDigest when it does not match, InvalidDigest when it is not an MD5', () =>
    withLogs(service, async () => {
      const body = Buffer.from('annotation');
      const md5Of = (data: string) => createHash('md5').update(data).digest('base64');
      const put = (Key: string, ContentMD5: string) =>
        ({ call: 'put_object', params: { Bucket: service.bucket, Key, Body: body, ContentMD5 } }) as const;
      const [mismatch, invalid, matching] = await boto3(service, [
        put('md5/mismatch', md5Of('something else')),
        put('md5/invalid', 'bm90LW1kNQ=='),
        put('md5/matching', md5Of('annotation')),
      ]);
      expect(mismatch.error).toMatchObject({ code: 'BadDigest', status: 400 });
      expect(invalid.error).toMatchObject({ code: 'InvalidDigest', status: 400 });
      expect(okResponse(matching).ETag).toBe(`"${createHash('md5').update(body).digest('hex')}"`);
      expect(await exists('md5/mismatch')).toBe(false);
      expect(await exists('md5/invalid')).toBe(false);
    }));

  describe('traversal keys', () => {
    const nonce = randomBytes(6).toString('hex');
    const attempts = [
      `../${nonce}-1`,
      `a/../../${nonce}-2`,
      `%2e%2e/${nonce}-3`,
      `x/%2E%2E/%2E%2E/%2e%2e/${nonce}-4`,
      `..%2F..%2F${nonce}-5`,
    ];
    let results: RawResponse[];
    beforeAll(async () => {
      results = (
        await boto3(
          service,
          attempts.map((key) => ({ signed: { method: 'PUT', path: path(key), body: Buffer.from(`body-${nonce}`) } })),
        )
      ).map(raw);
    });

    it('writes no file outside DATA_DIR/objects', () =>
      withLogs(service, async () => {
        const objectsDir = join(service.dataDir, 'objects');
        const outside = allFiles(root).filter(
          (file) => file.includes(nonce) && !join(root, file).startsWith(`${objectsDir}/`),
        );
        expect(outside).toEqual([]);
        const withBody = filesContaining(root, `body-${nonce}`).filter(
          (file) => !join(root, file).startsWith(`${objectsDir}/`),
        );
        expect(withBody).toEqual([]);
        expect(readdirSync(root).sort()).toEqual(['a']);
      }));

    it('answers each with an S3 error about the key (not a signature failure)', () =>
      withLogs(service, async () => {
        const outcome = results.map((response) => ({
          status: response.status,
          code: /<Code>([^<]*)<\/Code>/.exec(response.body.toString())?.[1],
        }));
        for (const [i, { status, code }] of outcome.entries()) {
          expect({ key: attempts[i], clientError: status >= 400 && status < 500, code }).toEqual({
            key: attempts[i],
            clientError: true,
            code: expect.not.stringMatching(/^SignatureDoesNotMatch$/),
          });
          expectS3Error(results[i], status, code!);
        }
      }));
  });

  it('refuses a key over 1024 bytes (KeyTooLongError), an unknown bucket (NoSuchBucket)', () =>
    withLogs(service, async () => {
      const [tooLong, noBucket] = await boto3(service, [
        { signed: { method: 'PUT', path: path(`long/${'k'.repeat(1020)}`), body: Buffer.from('x') } },
        { signed: { method: 'PUT', path: '/no-such-bucket/key', body: Buffer.from('x') } },
      ]);
      expectS3Error(raw(tooLong), 400, 'KeyTooLongError');
      expectS3Error(raw(noBucket), 404, 'NoSuchBucket');
    }));

  it('answers HEAD errors with status and headers only', () =>
    withLogs(service, async () => {
      const [missingKey, missingBucket] = (
        await boto3(service, [
          { signed: { method: 'HEAD', path: path('head/missing') } },
          { signed: { method: 'HEAD', path: '/no-such-bucket' } },
        ])
      ).map(raw);
      for (const response of [missingKey, missingBucket]) {
        expect({ status: response.status, body: response.body.toString() }).toEqual({ status: 404, body: '' });
        expect(response.headers['x-amz-request-id']).toEqual(expect.stringMatching(/\S/));
      }
    }));

  it('refuses tampered and expired presigned URLs', () =>
    withLogs(service, async () => {
      const params = { Bucket: service.bucket, Key: 'presign/object' };
      const [, fresh, expired] = await boto3(service, [
        { call: 'put_object', params: { ...params, Body: Buffer.from('secret') } },
        { presign: 'get_object', params, expiresIn: 60 },
        { presign: 'get_object', params, expiresIn: 60, client: { skewSeconds: -3600 } },
      ]);
      const url: string = okResponse(fresh).url;
      const [ok, otherKey, expiredGet] = (
        await boto3(service, [
          { http: { url } },
          { http: { url: url.replace('/presign/object?', '/presign/other?') } },
          { http: { url: okResponse(expired).url } },
        ])
      ).map(raw);
      expect(ok.status).toBe(200);
      expectS3Error(otherKey, 403, 'SignatureDoesNotMatch');
      const { message } = expectS3Error(expiredGet, 403, 'AccessDenied');
      expect(message).toMatch(/expired/i);
    }));

  it('answers operations it does not implement with NotImplemented (501)', () =>
    withLogs(service, async () => {
      const b = { Bucket: service.bucket };
      const results = await boto3(service, [
        { call: 'put_bucket_acl', params: { ...b, ACL: 'public-read' } },
        { call: 'get_bucket_tagging', params: b },
      ]);
      expect(results.map((r) => r.error && { code: r.error.code, status: r.error.status })).toEqual(
        Array(2).fill({ code: 'NotImplemented', status: 501 }),
      );
    }));

  it('is still healthy after all of the above', () =>
    withLogs(service, async () => {
      const [health] = await boto3(service, [{ http: { url: `${service.url}/_admin/health` } }]);
      expect(raw(health).status).toBe(200);
    }));
});
