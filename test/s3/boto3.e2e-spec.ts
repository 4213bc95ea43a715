import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunningService, startService, withLogs } from '../support/service.js';
import { boto3, boto3Ok, okResponse, type GetObjectOutput, type OpResult } from './clients/boto3.js';
import { filesContaining, xmlText } from './clients/s3-expect.js';

// boto3 is what Label Studio uses. botocore ≥ 1.36 sends a PUT differently per transport (docs/label-studio.md):
// over http the body as is with an x-amz-checksum-crc32 header; over https aws-chunked with a trailing CRC32.
// Every operation Label Studio and everyday clients use runs over both.
const md5 = (data: Buffer | string) => createHash('md5').update(data).digest('hex');
const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const unique = (name: string) => `${name}-${randomBytes(4).toString('hex')}/`;
const errorOf = (result: OpResult) => ({ code: result.error?.code, status: result.error?.status });
const keysOf = (list: { Contents?: { Key: string }[] }) => (list.Contents ?? []).map((object) => object.Key);
const prefixesOf = (list: { CommonPrefixes?: { Prefix: string }[] }) =>
  (list.CommonPrefixes ?? []).map((p) => p.Prefix);

describe.each([{ transport: 'http' }, { transport: 'https' }])('boto3 over $transport', ({ transport }) => {
  let service: RunningService;
  const bucket = () => service.bucket;
  const put = (Key: string, Body: Buffer | string, extra: Record<string, unknown> = {}) =>
    ({ call: 'put_object', params: { Bucket: bucket(), Key, Body: Buffer.from(Body), ...extra } }) as const;
  const get = (Key: string, extra: Record<string, unknown> = {}) =>
    ({ call: 'get_object', params: { Bucket: bucket(), Key, ...extra } }) as const;
  const putAll = async (keys: string[]) =>
    (
      await boto3(
        service,
        keys.map((key) => put(key, key)),
      )
    ).forEach(okResponse);

  beforeAll(async () => {
    service = await startService({ tls: transport === 'https' });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('lists the bucket, heads it (404 for another) and reports its location', () =>
    withLogs(service, async () => {
      const [buckets, head, otherHead, location] = await boto3(service, [
        { call: 'list_buckets' },
        { call: 'head_bucket', params: { Bucket: bucket() } },
        { call: 'head_bucket', params: { Bucket: 'no-such-bucket' } },
        { call: 'get_bucket_location', params: { Bucket: bucket() } },
      ]);
      expect(okResponse(buckets).Buckets.map((b) => b.Name)).toEqual([bucket()]);
      expect(okResponse(head).ResponseMetadata.HTTPStatusCode).toBe(200);
      expect(errorOf(otherHead)).toEqual({ code: '404', status: 404 });
      // us-east-1 is the empty <LocationConstraint/>, which botocore reads as None.
      expect(okResponse(location).LocationConstraint ?? null).toBeNull();
    }));

  it('puts, gets and heads an object byte-identically, with ETag = "md5" and its metadata', () =>
    withLogs(service, async () => {
      const key = `${unique('basic')}photo.bin`;
      const body = randomBytes(300 * 1024);
      const [putResult, got, head] = await boto3(service, [
        put(key, body, { ContentType: 'image/png', Metadata: { team: 'vision', 'Label-Tool': 'LS' } }),
        get(key),
        { call: 'head_object', params: { Bucket: bucket(), Key: key } },
      ]);
      const etag = `"${md5(body)}"`;
      expect(okResponse(putResult).ETag).toBe(etag);
      // The transport really sent what the comment at the top says (else this suite would test less than it claims).
      const sent = putResult.sent!.at(-1)!.headers;
      if (transport === 'https') {
        expect(sent).toMatchObject({
          'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
          'x-amz-trailer': 'x-amz-checksum-crc32',
        });
      } else {
        expect(sent['x-amz-content-sha256']).toBe(createHash('sha256').update(body).digest('hex'));
        expect(sent['x-amz-checksum-crc32']).toEqual(expect.any(String));
      }
      const object = okResponse(got);
      expect(Buffer.compare(object.Body, body)).toBe(0);
      expect(object).toMatchObject({
        ETag: etag,
        ContentLength: body.length,
        ContentType: 'image/png',
        AcceptRanges: 'bytes',
      });
      expect(okResponse(head)).toMatchObject({
        ETag: etag,
        ContentLength: body.length,
        ContentType: 'image/png',
        Metadata: { team: 'vision', 'label-tool': 'LS' },
        LastModified: expect.any(Date),
      });
    }));

  it('stores a Label Studio-shaped put (key exports//<id>, JSON body, no Content-Type) as exactly those bytes', () =>
    withLogs(service, async () => {
      const nonce = randomBytes(8).toString('hex');
      const key = `exports-${nonce}//17`;
      // json.dumps of an annotation: default separators, non-ASCII escaped.
      const annotation = `{"id": 17, "result": [{"value": {"choices": ["Caf\\u00e9"]}}], "nonce": "${nonce}", "task": {"id": 3}}`;
      const [putResult, got] = await boto3(service, [put(key, annotation), get(key)]);
      expect(okResponse(putResult).ETag).toBe(`"${md5(annotation)}"`);
      expect(putResult.sent!.at(-1)!.headers['content-type']).toBeUndefined();
      expect(okResponse(got).Body.toString('utf8')).toBe(annotation);
      expect(okResponse(got).ContentType).toBe('binary/octet-stream');
      // On disk: one file holds the annotation, and it holds nothing else (no chunk framing, no trailer).
      const objectsDir = join(service.dataDir, 'objects');
      const files = filesContaining(objectsDir, nonce);
      expect(files).toHaveLength(1);
      expect(readFileSync(join(objectsDir, files[0]), 'utf8')).toBe(annotation);
    }));

  it('keeps keys verbatim: //, +, spaces, unicode, %, ?, #, a trailing / and 1024 bytes', () =>
    withLogs(service, async () => {
      const prefix = unique('keys');
      const longKey = (prefix + Array.from({ length: 6 }, () => 'x'.repeat(180)).join('/')).slice(0, 1024);
      const keys = [
        'a//b',
        'plus+sign',
        'with space',
        'ünïcödé/日本語.json',
        '100%/done',
        "query?a=b&c=d#frag'~",
        'folder/',
      ].map((key) => prefix + key);
      keys.push(longKey);
      expect(Buffer.byteLength(longKey)).toBe(1024);
      const results = await boto3(service, [...keys.map((key) => put(key, key)), ...keys.map((key) => get(key))]);
      const gets = results.slice(keys.length).map((result) => okResponse(result) as GetObjectOutput);
      results.slice(0, keys.length).forEach(okResponse);
      expect(gets.map((object) => object.Body.toString('utf8'))).toEqual(keys);

      const [v2, v1] = await boto3(service, [
        { call: 'list_objects_v2', params: { Bucket: bucket(), Prefix: prefix } },
        { call: 'list_objects', params: { Bucket: bucket(), Prefix: prefix } },
      ]);
      const inByteOrder = [...keys].sort(byUtf8);
      expect(keysOf(okResponse(v2))).toEqual(inByteOrder);
      expect(keysOf(okResponse(v1))).toEqual(inByteOrder);
    }));

  it('lists v1 with prefix, delimiter, marker, max-keys and url encoding', () =>
    withLogs(service, async () => {
      const p = unique('v1');
      // ceph/s3-tests test_bucket_list_delimiter_url_encoding (docs/s3-protocol.md).
      await putAll(['foo+1/bar', 'foo/bar/xyzzy', 'quux ab/thud', 'asdf+b'].map((key) => p + key));
      const list = (params: Record<string, unknown>) =>
        ({ call: 'list_objects', params: { Bucket: bucket(), Prefix: p, ...params } }) as const;
      const [grouped, page1, groupedPage1] = (
        await boto3(service, [list({ Delimiter: '/' }), list({ MaxKeys: 2 }), list({ Delimiter: '/', MaxKeys: 2 })])
      ).map(okResponse);
      expect(keysOf(grouped)).toEqual([`${p}asdf+b`]);
      expect(prefixesOf(grouped)).toEqual([`${p}foo+1/`, `${p}foo/`, `${p}quux ab/`]);
      expect(grouped).toMatchObject({ IsTruncated: false, Delimiter: '/', Prefix: p });

      expect(keysOf(page1)).toEqual([`${p}asdf+b`, `${p}foo+1/bar`]);
      expect(page1.IsTruncated).toBe(true);
      // With a delimiter, S3 says where to go on (NextMarker); a CommonPrefix counts as one key.
      expect(groupedPage1).toMatchObject({ IsTruncated: true, NextMarker: `${p}foo+1/` });
      expect([...keysOf(groupedPage1), ...prefixesOf(groupedPage1)]).toEqual([`${p}asdf+b`, `${p}foo+1/`]);

      const [page2, groupedPage2] = (
        await boto3(service, [
          list({ MaxKeys: 2, Marker: `${p}foo+1/bar` }),
          list({ Delimiter: '/', MaxKeys: 2, Marker: groupedPage1.NextMarker }),
        ])
      ).map(okResponse);
      expect(keysOf(page2)).toEqual([`${p}foo/bar/xyzzy`, `${p}quux ab/thud`]);
      expect(page2.IsTruncated).toBe(false);
      expect(prefixesOf(groupedPage2)).toEqual([`${p}foo/`, `${p}quux ab/`]);
      expect(groupedPage2.IsTruncated).toBe(false);

      // botocore decodes keys only when the answer says <EncodingType>url</EncodingType>: check the wire.
      const [raw] = await boto3(service, [
        { signed: { path: `/${bucket()}`, query: `delimiter=%2F&encoding-type=url&prefix=${encodeURIComponent(p)}` } },
      ]);
      const xml = okResponse(raw).body.toString('utf8');
      expect(okResponse(raw).status).toBe(200);
      expect(xmlText(xml, 'EncodingType')).toBe('url');
      expect(xml).toMatch(/<Key>[^<]*asdf%2Bb<\/Key>/);
      expect(xml).toMatch(/<Prefix>[^<]*foo%2B1\/<\/Prefix>/);
      expect(xml).toMatch(/<Prefix>[^<]*quux%20ab\/<\/Prefix>/);
    }));

  it('lists v2 with KeyCount always present, continuation tokens, start-after and fetch-owner', () =>
    withLogs(service, async () => {
      const p = unique('v2');
      const keys = ['a', 'b', 'c/1', 'c/2', 'd'].map((key) => p + key);
      await putAll(keys);
      const list = (params: Record<string, unknown>) =>
        ({ call: 'list_objects_v2', params: { Bucket: bucket(), Prefix: p, ...params } }) as const;
      const [empty, checkConnection, all, grouped, after, owned] = (
        await boto3(service, [
          list({ Prefix: `${p}nothing-here/` }),
          list({ MaxKeys: 1 }), // Label Studio's "Check connection"
          list({}),
          list({ Delimiter: '/' }),
          list({ StartAfter: `${p}c/1` }),
          list({ FetchOwner: true }),
        ])
      ).map(okResponse);
      expect(empty.KeyCount).toBe(0);
      expect(checkConnection).toMatchObject({
        KeyCount: 1,
        IsTruncated: true,
        NextContinuationToken: expect.any(String),
      });
      expect(all).toMatchObject({ KeyCount: 5, IsTruncated: false });
      expect(keysOf(all)).toEqual(keys);
      const [first] = all.Contents ?? [];
      expect(first).toMatchObject({
        Size: keys[0].length,
        ETag: `"${md5(keys[0])}"`,
        LastModified: expect.any(Date),
      });
      expect(first.Owner).toBeUndefined();
      expect(grouped).toMatchObject({ KeyCount: 4 });
      expect(prefixesOf(grouped)).toEqual([`${p}c/`]);
      expect(keysOf(after)).toEqual(keys.slice(3));
      expect(owned.Contents?.[0].Owner).toEqual(expect.objectContaining({ ID: expect.any(String) }));

      // Follow the opaque continuation token page by page: every key once, in order.
      const seen: string[] = [];
      let token: string | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await boto3Ok(service, list({ MaxKeys: 2, ...(token ? { ContinuationToken: token } : {}) }));
        expect(result.KeyCount).toBe(keysOf(result).length);
        seen.push(...keysOf(result));
        if (!result.IsTruncated) break;
        token = result.NextContinuationToken;
      }
      expect(seen).toEqual(keys);
    }));

  it('serves ranges (206 + Content-Range; 416 InvalidRange past the end)', () =>
    withLogs(service, async () => {
      const key = `${unique('range')}digits.txt`;
      const body = Buffer.from('0123456789abcdefghij');
      const [, middle, suffix, open, beyond] = await boto3(service, [
        put(key, body),
        get(key, { Range: 'bytes=2-5' }),
        get(key, { Range: 'bytes=-3' }),
        get(key, { Range: 'bytes=15-' }),
        get(key, { Range: 'bytes=20-' }),
      ]);
      expect(okResponse(middle)).toMatchObject({
        ContentRange: 'bytes 2-5/20',
        ContentLength: 4,
        ResponseMetadata: { HTTPStatusCode: 206 },
      });
      expect(okResponse(middle).Body.toString()).toBe('2345');
      expect(okResponse(suffix)).toMatchObject({ ContentRange: 'bytes 17-19/20' });
      expect(okResponse(suffix).Body.toString()).toBe('hij');
      expect(okResponse(open).Body.toString()).toBe('fghij');
      expect(errorOf(beyond)).toEqual({ code: 'InvalidRange', status: 416 });
    }));

  it('answers conditional requests: If-Match 412, If-None-Match 304, If-(Un)Modified-Since', () =>
    withLogs(service, async () => {
      const key = `${unique('cond')}doc.json`;
      const etag = `"${md5('{}')}"`;
      const lastModified = okResponse(
        (await boto3(service, [put(key, '{}'), { call: 'head_object', params: { Bucket: bucket(), Key: key } }]))[1],
      ).LastModified;
      const dayBefore = new Date(lastModified.getTime() - 86_400_000);
      const dayAfter = new Date(lastModified.getTime() + 86_400_000);
      const results = await boto3(service, [
        get(key, { IfMatch: etag }),
        get(key, { IfMatch: '"0123456789abcdef0123456789abcdef"' }),
        get(key, { IfNoneMatch: etag }),
        get(key, { IfNoneMatch: '"0123456789abcdef0123456789abcdef"' }),
        get(key, { IfModifiedSince: dayAfter }),
        get(key, { IfModifiedSince: dayBefore }),
        get(key, { IfUnmodifiedSince: dayBefore }),
        get(key, { IfUnmodifiedSince: dayAfter }),
        { call: 'head_object', params: { Bucket: bucket(), Key: key, IfNoneMatch: etag } },
      ]);
      const outcome = results.map((r) => (r.ok ? okResponse(r).ResponseMetadata.HTTPStatusCode : r.error?.code));
      expect(outcome).toEqual([200, 'PreconditionFailed', '304', 200, '304', 200, 'PreconditionFailed', 200, '304']);
    }));

  it('overrides response headers on request (response-content-type and friends)', () =>
    withLogs(service, async () => {
      const key = `${unique('override')}a.json`;
      const [, got] = await boto3(service, [
        put(key, '[]'),
        get(key, {
          ResponseContentType: 'application/json; charset=utf-8',
          ResponseContentDisposition: 'attachment; filename="a.json"',
          ResponseCacheControl: 'no-cache',
          ResponseContentLanguage: 'fr',
        }),
      ]);
      expect(okResponse(got)).toMatchObject({
        ContentType: 'application/json; charset=utf-8',
        ContentDisposition: 'attachment; filename="a.json"',
        CacheControl: 'no-cache',
        ContentLanguage: 'fr',
      });
    }));

  it('deletes one object (204, also when missing) and many at once', () =>
    withLogs(service, async () => {
      const p = unique('delete');
      const keys = ['one', 'two', 'three/deep', 'four'].map((key) => p + key);
      await putAll(keys);
      const [deleted, gone, missing, many, quiet, listed] = await boto3(service, [
        { call: 'delete_object', params: { Bucket: bucket(), Key: keys[0] } },
        get(keys[0]),
        { call: 'delete_object', params: { Bucket: bucket(), Key: `${p}never-existed` } },
        {
          call: 'delete_objects',
          params: {
            Bucket: bucket(),
            Delete: { Objects: [{ Key: keys[1] }, { Key: keys[2] }, { Key: `${p}missing` }] },
          },
        },
        { call: 'delete_objects', params: { Bucket: bucket(), Delete: { Objects: [{ Key: keys[3] }], Quiet: true } } },
        { call: 'list_objects_v2', params: { Bucket: bucket(), Prefix: p } },
      ]);
      expect(okResponse(deleted).ResponseMetadata.HTTPStatusCode).toBe(204);
      expect(errorOf(gone)).toEqual({ code: 'NoSuchKey', status: 404 });
      expect(okResponse(missing).ResponseMetadata.HTTPStatusCode).toBe(204);
      const deletedKeys = (okResponse(many).Deleted ?? []).map((d) => d.Key).sort();
      expect(deletedKeys).toEqual([keys[1], keys[2], `${p}missing`].sort());
      expect(okResponse(many).Errors ?? []).toEqual([]);
      expect(okResponse(quiet).Deleted ?? []).toEqual([]);
      expect(okResponse(listed).KeyCount).toBe(0);
    }));

  it('copies an object (metadata copied, or replaced on request; NoSuchKey for a missing source)', () =>
    withLogs(service, async () => {
      const p = unique('copy');
      const body = randomBytes(5000);
      const copy = (target: string, source: string, extra: Record<string, unknown> = {}) =>
        ({
          call: 'copy_object',
          params: { Bucket: bucket(), Key: p + target, CopySource: { Bucket: bucket(), Key: p + source }, ...extra },
        }) as const;
      const head = (key: string) => ({ call: 'head_object', params: { Bucket: bucket(), Key: p + key } }) as const;
      const [, copied, replaced, missing, copiedObject, copiedHead, replacedHead] = await boto3(service, [
        put(`${p}source`, body, { ContentType: 'image/jpeg', Metadata: { origin: 'camera' } }),
        copy('same', 'source'),
        copy('replaced', 'source', {
          MetadataDirective: 'REPLACE',
          ContentType: 'text/csv',
          Metadata: { origin: 'edited' },
        }),
        copy('nothing', 'no-such-source'),
        get(`${p}same`),
        head('same'),
        head('replaced'),
      ]);
      expect(okResponse(copied).CopyObjectResult.ETag).toBe(`"${md5(body)}"`);
      expect(okResponse(replaced).CopyObjectResult.ETag).toBe(`"${md5(body)}"`);
      expect(errorOf(missing)).toEqual({ code: 'NoSuchKey', status: 404 });
      expect(Buffer.compare(okResponse(copiedObject).Body, body)).toBe(0);
      expect(okResponse(copiedHead)).toMatchObject({ ContentType: 'image/jpeg', Metadata: { origin: 'camera' } });
      expect(okResponse(replacedHead)).toMatchObject({ ContentType: 'text/csv', Metadata: { origin: 'edited' } });
    }));

  it('serves a presigned GET to a plain HTTP client, with CORS for the browser', () =>
    withLogs(service, async () => {
      const key = `${unique('presign')}image 1+.png`;
      const body = randomBytes(2048);
      const origin = 'http://localhost:8080';
      const [, presigned, presignedTyped] = await boto3(service, [
        put(key, body),
        { presign: 'get_object', params: { Bucket: bucket(), Key: key }, expiresIn: 60 },
        {
          presign: 'get_object',
          params: { Bucket: bucket(), Key: key, ResponseContentType: 'image/png' },
          expiresIn: 60,
        },
      ]);
      const url: string = okResponse(presigned).url;
      expect(url.startsWith(`${service.url}/${bucket()}/`)).toBe(true);
      const [plain, typed, preflight] = (
        await boto3(service, [
          { http: { url, headers: { Origin: origin } } },
          { http: { url: okResponse(presignedTyped).url } },
          { http: { method: 'OPTIONS', url, headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' } } },
        ])
      ).map(okResponse);
      expect(plain.status).toBe(200);
      expect(Buffer.compare(plain.body, body)).toBe(0);
      expect(plain.headers.etag).toBe(`"${md5(body)}"`);
      expect([origin, '*']).toContain(plain.headers['access-control-allow-origin']);
      expect(typed.status).toBe(200);
      expect(typed.headers['content-type']).toBe('image/png');
      expect([200, 204]).toContain(preflight.status);
      expect([origin, '*']).toContain(preflight.headers['access-control-allow-origin']);
      expect(preflight.headers['access-control-allow-methods']).toMatch(/GET/);
    }));
});
