import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../support/run-command.js';
import { RunningService, startService, withLogs } from '../support/service.js';
import { toolPaths } from '../support/tools.js';
import { boto3, boto3Ok, okResponse, type ClientOverrides, type RawResponse } from './clients/boto3.js';
import { expectS3Error, xmlText } from './clients/s3-expect.js';

/**
 * Presigned URLs as users make them, with no client setting changed: botocore presigns with Signature Version 2
 * for a custom endpoint unless `signature_version='s3v4'` is configured (boto3 `generate_presigned_url`, the aws
 * CLI's `aws s3 presign`). The URLs are then used by a plain HTTP client (urllib), as a browser or curl would.
 */
describe('presigned URLs of Signature Version 2 (boto3 and aws CLI defaults)', () => {
  let service: RunningService;
  let work: string;

  beforeAll(async () => {
    service = await startService();
    work = mkdtempSync(join(tmpdir(), 'presign-v2-'));
    await boto3Ok(service, {
      call: 'put_object',
      params: { Bucket: service.bucket, Key: 'v2/existing.json', Body: Buffer.from('{"v":2}') },
    });
  });
  afterAll(async () => {
    await service?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const presign = async (
    method: string,
    key: string,
    signatureVersion: ClientOverrides['signatureVersion'],
    extra: Record<string, unknown> = {},
    expiresIn = 300,
  ): Promise<string> => {
    const [result] = await boto3(service, [
      {
        presign: method,
        params: { Bucket: service.bucket, Key: key, ...extra },
        expiresIn,
        client: { signatureVersion },
      },
    ]);
    return okResponse<{ url: string }>(result).url;
  };
  const fetchUrl = async (method: string, url: string, body?: Buffer, headers: Record<string, string> = {}) => {
    const [result] = await boto3(service, [{ http: { method, url, body, headers } }]);
    return okResponse<RawResponse>(result);
  };

  it.each<[string, ClientOverrides['signatureVersion']]>([
    ["signature_version='s3'", 's3'],
    ['no signature_version (botocore default for a custom endpoint)', 'default'],
  ])('%s: GET, HEAD, PUT and DELETE URLs work, and are SigV2 URLs', (_name, version) =>
    withLogs(service, async () => {
      const key = `v2/${version}.json`;
      // Content-Type is part of a SigV2 signature: the uploader sends the one the URL was made for.
      const put = await presign('put_object', key, version, { ContentType: 'application/json' });
      expect(new URL(put).searchParams.get('AWSAccessKeyId')).toBe(service.accessKeyId);
      expect(new URL(put).searchParams.get('Expires')).toMatch(/^\d+$/);
      expect(put).not.toContain('X-Amz-Signature');
      const stored = await fetchUrl('PUT', put, Buffer.from('{"put":"v2"}'), { 'Content-Type': 'application/json' });
      expect({ status: stored.status, body: stored.body.toString() }).toEqual({ status: 200, body: '' });

      const get = await fetchUrl('GET', await presign('get_object', key, version));
      expect({ status: get.status, body: get.body.toString() }).toEqual({ status: 200, body: '{"put":"v2"}' });
      const head = await fetchUrl('HEAD', await presign('head_object', key, version));
      expect({
        status: head.status,
        length: head.headers['content-length'],
        type: head.headers['content-type'],
      }).toEqual({
        status: 200,
        length: '12',
        type: 'application/json',
      });

      expect((await fetchUrl('DELETE', await presign('delete_object', key, version))).status).toBe(204);
      const gone = await fetchUrl('GET', await presign('get_object', key, version));
      expectS3Error(gone, 404, 'NoSuchKey');
    }),
  );

  it('response-* overrides are part of the signed resource and are applied', async () => {
    const url = await presign('get_object', 'v2/existing.json', 's3', { ResponseContentType: 'text/plain' });
    const got = await fetchUrl('GET', url);
    expect({ status: got.status, type: got.headers['content-type'] }).toEqual({ status: 200, type: 'text/plain' });
    const tampered = await fetchUrl('GET', url.replace('text%2Fplain', 'text%2Fhtml'));
    expectS3Error(tampered, 403, 'SignatureDoesNotMatch');
  });

  it('a tampered URL is refused and stores nothing: another key, another method, added x-amz-* headers', async () => {
    const put = await presign('put_object', 'v2/mine.json', 's3');
    expectS3Error(
      await fetchUrl('PUT', put.replace('v2/mine.json', 'v2/other.json'), Buffer.from('x')),
      403,
      'SignatureDoesNotMatch',
    );
    expectS3Error(await fetchUrl('DELETE', put), 403, 'SignatureDoesNotMatch');
    const copy = await fetchUrl('PUT', put, Buffer.alloc(0), {
      'x-amz-copy-source': `/${service.bucket}/v2/existing.json`,
    });
    expectS3Error(copy, 403, 'SignatureDoesNotMatch');
    const meta = await fetchUrl('PUT', put, Buffer.from('x'), { 'x-amz-meta-owner': 'mallory' });
    expectS3Error(meta, 403, 'SignatureDoesNotMatch');
    const listed = (await boto3Ok(service, {
      call: 'list_objects_v2',
      params: { Bucket: service.bucket, Prefix: 'v2/' },
    })) as { Contents: Array<{ Key: string }> };
    expect(listed.Contents.map((c) => c.Key)).toEqual(['v2/existing.json']);
  });

  it('an expired URL is refused with AccessDenied "Request has expired"', async () => {
    const url = await presign('get_object', 'v2/existing.json', 's3', {}, 1);
    await new Promise((resolve) => setTimeout(resolve, 2100)); // Expires is in whole seconds
    const answer = await fetchUrl('GET', url);
    expectS3Error(answer, 403, 'AccessDenied');
    expect(xmlText(answer.body.toString(), 'Message')).toBe('Request has expired');
  });

  it('aws s3 presign (the CLI default, no configuration) gives a URL that downloads the object', async () => {
    const config = join(work, 'aws-config');
    writeFileSync(config, '[default]\n');
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
    const presigned = await runCommand(
      toolPaths().aws,
      [
        '--endpoint-url',
        service.url,
        's3',
        'presign',
        `s3://${service.bucket}/v2/existing.json`,
        '--expires-in',
        '120',
      ],
      {
        env: {
          ...(inherited as Record<string, string>),
          AWS_ACCESS_KEY_ID: service.accessKeyId,
          AWS_SECRET_ACCESS_KEY: service.secretAccessKey,
          AWS_DEFAULT_REGION: service.region,
          AWS_CONFIG_FILE: config,
          AWS_SHARED_CREDENTIALS_FILE: join(work, 'none'),
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      },
    );
    expect(presigned.code).toBe(0);
    const url = presigned.stdout.trim();
    expect(url).toContain('Signature=');
    expect(url).not.toContain('X-Amz-Signature');
    const got = await fetchUrl('GET', url);
    expect({ status: got.status, body: got.body.toString() }).toEqual({ status: 200, body: '{"v":2}' });
  });

  it('s3cmd signurl (always Signature Version 2) gives a URL that downloads the object', async () => {
    const config = join(work, 's3cfg');
    const host = new URL(service.url).host;
    writeFileSync(
      config,
      [
        '[default]',
        `access_key = ${service.accessKeyId}`,
        `secret_key = ${service.secretAccessKey}`,
        `host_base = ${host}`,
        `host_bucket = ${host}`, // no %(bucket)s: path-style addressing
        'use_https = False',
        '',
      ].join('\n'),
    );
    const signed = await runCommand(toolPaths().s3cmd, [
      '-c',
      config,
      'signurl',
      `s3://${service.bucket}/v2/existing.json`,
      '+120',
    ]);
    expect({ code: signed.code, stderr: signed.stderr }).toEqual({ code: 0, stderr: '' });
    const url = signed.stdout.trim();
    expect(new URL(url).searchParams.get('AWSAccessKeyId')).toBe(service.accessKeyId);
    const got = await fetchUrl('GET', url);
    expect({ status: got.status, body: got.body.toString() }).toEqual({ status: 200, body: '{"v":2}' });
  });

  it('botocore signing SigV4 with a Date header instead of x-amz-date is accepted', async () => {
    const [answer] = await boto3(service, [
      { signed: { method: 'GET', path: `/${service.bucket}/v2/existing.json`, headers: { Date: 'set by botocore' } } },
    ]);
    const raw = okResponse<RawResponse>(answer);
    expect({ status: raw.status, body: raw.body.toString() }).toEqual({ status: 200, body: '{"v":2}' });
  });
});
