import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { flush } from '../sync/harness/admin-client.js';
import { startService, withLogs, type RunningService } from '../support/service.js';
import { boto3, okResponse, type Op, type OpResult, type RawResponse } from './clients/boto3.js';

/**
 * The multipart operations one by one, through boto3's low-level client, checked against what S3 answers:
 * composite ETags and checksums, ListParts / ListMultipartUploads, UploadPartCopy with a range, the errors
 * (InvalidPart, InvalidPartOrder, EntityTooSmall, NoSuchUpload, InvalidPartNumber), GET ?partNumber, and that the
 * sync engine sees only completed objects, by the md5 of their bytes.
 */
const MiB = 1024 * 1024;
const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
const crc32Of = (data: Buffer) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(data) >>> 0);
  return out.toString('base64');
};
/** S3's multipart ETag: md5 of the concatenated binary md5s of the parts, `-<count>`. */
const compositeETag = (parts: Buffer[]) =>
  `"${md5(Buffer.concat(parts.map((p) => Buffer.from(md5(p), 'hex'))))}-${parts.length}"`;
/** The fields of boto3's answers these tests read. */
interface Answer {
  UploadId: string;
  ETag: string;
  Key: string;
  ChecksumCRC32?: string;
  ChecksumType?: string;
  ChecksumAlgorithm?: string;
  Parts?: Array<{ PartNumber: number; ETag: string; Size: number; ChecksumCRC32?: string }>;
  Uploads?: Array<{ Key: string; UploadId: string }>;
  CommonPrefixes?: Array<{ Prefix: string }>;
  IsTruncated?: boolean;
  NextKeyMarker?: string;
  NextUploadIdMarker?: string;
  KeyCount?: number;
  Body: Buffer;
  ContentLength?: number;
  ContentRange?: string;
  ContentType?: string;
  PartsCount?: number;
  Metadata?: Record<string, string>;
  CopyPartResult: { ETag: string };
  ResponseMetadata: { HTTPStatusCode: number };
}
const answer = (result: OpResult) => okResponse(result) as Answer;
const errorOf = (result: OpResult) => ({ code: result.error?.code, status: result.error?.status });

describe('multipart operations (boto3 client calls)', () => {
  let service: RunningService;
  const Bucket = () => service.bucket;
  const call = (name: string, params: Record<string, unknown> = {}): Op => ({
    call: name,
    params: { Bucket: Bucket(), ...params },
  });
  const run = (ops: Op[]) => boto3(service, ops);
  const ok = async (op: Op) => answer((await run([op]))[0]);

  beforeAll(async () => {
    // A directory dataset: each object is a file in DVC, so the flush shows exactly which objects it saw.
    service = await startService({ env: { DVC_DATASET_PATH: 'data/objects' } });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('completes a COMPOSITE CRC32 upload: parts listed, object invisible until completion, then the whole', () =>
    withLogs(service, async () => {
      const Key = 'mp/composite.bin';
      const parts = [randomBytes(5 * MiB), randomBytes(1234)];
      const created = await ok(
        call('create_multipart_upload', {
          Key,
          ContentType: 'application/x-test',
          Metadata: { team: 'vision' },
          ChecksumAlgorithm: 'CRC32',
        }),
      );
      const UploadId = created.UploadId;
      expect(UploadId).toMatch(/^[0-9a-f]{32}$/);
      const [p1, p2, listed, uploads, visible] = await run([
        call('upload_part', { Key, UploadId, PartNumber: 1, Body: parts[0], ChecksumAlgorithm: 'CRC32' }),
        call('upload_part', { Key, UploadId, PartNumber: 2, Body: parts[1], ChecksumAlgorithm: 'CRC32' }),
        call('list_parts', { Key, UploadId }),
        call('list_multipart_uploads', { Prefix: 'mp/' }),
        call('list_objects_v2', { Prefix: 'mp/' }),
      ]);
      expect(answer(p1)).toMatchObject({ ETag: `"${md5(parts[0])}"`, ChecksumCRC32: crc32Of(parts[0]) });
      expect(answer(p2)).toMatchObject({ ETag: `"${md5(parts[1])}"`, ChecksumCRC32: crc32Of(parts[1]) });
      expect(answer(listed)).toMatchObject({
        UploadId,
        ChecksumAlgorithm: 'CRC32',
        IsTruncated: false,
        Parts: [
          { PartNumber: 1, ETag: `"${md5(parts[0])}"`, Size: 5 * MiB, ChecksumCRC32: crc32Of(parts[0]) },
          { PartNumber: 2, ETag: `"${md5(parts[1])}"`, Size: 1234, ChecksumCRC32: crc32Of(parts[1]) },
        ],
      });
      expect(answer(uploads).Uploads?.map((u) => [u.Key, u.UploadId])).toEqual([[Key, UploadId]]);
      expect(answer(visible).KeyCount).toBe(0);

      const completed = await ok(
        call('complete_multipart_upload', {
          Key,
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: `"${md5(parts[0])}"`, ChecksumCRC32: crc32Of(parts[0]) },
              { PartNumber: 2, ETag: `"${md5(parts[1])}"`, ChecksumCRC32: crc32Of(parts[1]) },
            ],
          },
        }),
      );
      const compositeCrc = `${crc32Of(Buffer.concat(parts.map((p) => Buffer.from(crc32Of(p), 'base64'))))}-2`;
      expect(completed).toMatchObject({ Key, ETag: compositeETag(parts), ChecksumCRC32: compositeCrc });
      const whole = Buffer.concat(parts);
      const [got, checked, head, after] = await run([
        call('get_object', { Key }),
        call('get_object', { Key, ChecksumMode: 'ENABLED' }),
        call('head_object', { Key }),
        call('list_multipart_uploads', { Prefix: 'mp/' }),
      ]);
      expect(md5(answer(got).Body)).toBe(md5(whole));
      expect(answer(got)).toMatchObject({
        ETag: compositeETag(parts),
        ContentType: 'application/x-test',
        Metadata: { team: 'vision' },
      });
      // botocore recognises a composite checksum and does not compare it with the bytes: the read succeeds.
      expect(answer(checked)).toMatchObject({ ChecksumCRC32: compositeCrc, ChecksumType: 'COMPOSITE' });
      expect(answer(head).ContentLength).toBe(whole.length);
      expect(answer(after).Uploads ?? []).toEqual([]);
    }));

  it('reads one part with ?partNumber (x-amz-mp-parts-count), and answers 416 beyond the last', () =>
    withLogs(service, async () => {
      const Key = 'mp/parts.bin';
      const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(10)];
      const { UploadId } = await ok(call('create_multipart_upload', { Key }));
      const uploaded = await run(
        parts.map((Body, i) => call('upload_part', { Key, UploadId, PartNumber: i + 1, Body })),
      );
      await ok(
        call('complete_multipart_upload', {
          Key,
          UploadId,
          MultipartUpload: { Parts: uploaded.map((r, i) => ({ PartNumber: i + 1, ETag: answer(r).ETag })) },
        }),
      );
      await ok(call('put_object', { Key: 'mp/single.txt', Body: Buffer.from('one piece') }));
      const [second, last, headFirst, beyond, single, singleBeyond] = await run([
        call('get_object', { Key, PartNumber: 2 }),
        call('get_object', { Key, PartNumber: 3 }),
        call('head_object', { Key, PartNumber: 1 }),
        call('get_object', { Key, PartNumber: 4 }),
        call('get_object', { Key: 'mp/single.txt', PartNumber: 1 }),
        call('head_object', { Key: 'mp/single.txt', PartNumber: 2 }),
      ]);
      expect(answer(second)).toMatchObject({
        PartsCount: 3,
        ContentLength: 5 * MiB,
        ContentRange: `bytes ${5 * MiB}-${10 * MiB - 1}/${10 * MiB + 10}`,
        ETag: compositeETag(parts),
      });
      expect(md5(answer(second).Body)).toBe(md5(parts[1]));
      expect(answer(last).Body.equals(parts[2])).toBe(true);
      expect(answer(headFirst)).toMatchObject({ PartsCount: 3, ContentLength: 5 * MiB });
      expect(errorOf(beyond)).toEqual({ code: 'InvalidPartNumber', status: 416 });
      expect(answer(single).Body.toString()).toBe('one piece');
      expect(answer(single).PartsCount).toBeUndefined();
      expect(singleBeyond.error?.status).toBe(416);
    }));

  it('refuses bad completions as S3 does and keeps the upload, so that a correct one still succeeds', () =>
    withLogs(service, async () => {
      const Key = 'mp/errors.bin';
      const big = randomBytes(5 * MiB);
      const { UploadId } = await ok(call('create_multipart_upload', { Key }));
      const [small, large, tail] = await run([
        call('upload_part', { Key, UploadId, PartNumber: 1, Body: Buffer.from('too small to be first') }),
        call('upload_part', { Key, UploadId, PartNumber: 2, Body: big }),
        call('upload_part', { Key, UploadId, PartNumber: 3, Body: Buffer.from('tail') }),
      ]);
      const etag = (r: OpResult) => answer(r).ETag;
      const complete = (Parts: Array<{ PartNumber: number; ETag: string }>, key = Key, id = UploadId) =>
        call('complete_multipart_upload', { Key: key, UploadId: id, MultipartUpload: { Parts } });
      const results = await run([
        complete([
          { PartNumber: 1, ETag: etag(small) },
          { PartNumber: 2, ETag: etag(large) },
        ]),
        complete([
          { PartNumber: 3, ETag: etag(tail) },
          { PartNumber: 2, ETag: etag(large) },
        ]),
        complete([{ PartNumber: 2, ETag: `"${md5(Buffer.from('other'))}"` }]),
        complete([{ PartNumber: 7, ETag: etag(large) }]),
        complete([{ PartNumber: 2, ETag: etag(large) }], 'mp/another-key'),
        complete([{ PartNumber: 2, ETag: etag(large) }], Key, '0'.repeat(32)),
        call('upload_part', { Key, UploadId: 'not-an-upload', PartNumber: 1, Body: Buffer.from('x') }),
        call('upload_part', { Key, UploadId, PartNumber: 10001, Body: Buffer.from('x') }),
        call('head_object', { Key }),
      ]);
      expect(results.map(errorOf)).toEqual([
        { code: 'EntityTooSmall', status: 400 },
        { code: 'InvalidPartOrder', status: 400 },
        { code: 'InvalidPart', status: 400 },
        { code: 'InvalidPart', status: 400 },
        { code: 'NoSuchUpload', status: 404 },
        { code: 'NoSuchUpload', status: 404 },
        { code: 'NoSuchUpload', status: 404 },
        { code: 'InvalidArgument', status: 400 },
        { code: '404', status: 404 },
      ]);
      const done = await ok(
        complete([
          { PartNumber: 2, ETag: etag(large) },
          { PartNumber: 3, ETag: etag(tail) },
        ]),
      );
      expect(done.ETag).toBe(compositeETag([big, Buffer.from('tail')]));
      // A retried completion (its answer lost) gets the same answer; other parts find the upload gone.
      const [again, other] = await run([
        complete([
          { PartNumber: 2, ETag: etag(large) },
          { PartNumber: 3, ETag: etag(tail) },
        ]),
        complete([{ PartNumber: 2, ETag: etag(large) }]),
      ]);
      expect(answer(again).ETag).toBe(done.ETag);
      expect(errorOf(other)).toEqual({ code: 'NoSuchUpload', status: 404 });
    }));

  it('takes parts as signed aws-chunked bodies, and keeps none whose chunk signature is wrong', () =>
    withLogs(service, async () => {
      const Key = 'mp/chunked.bin';
      const data = randomBytes(200 * 1024);
      const { UploadId } = await ok(call('create_multipart_upload', { Key }));
      const path = (partNumber: number) => `/${Bucket()}/${Key}?partNumber=${partNumber}&uploadId=${UploadId}`;
      const [good, corrupt, parts] = await run([
        { chunked: { path: path(1), data, chunkSize: 64 * 1024 } },
        { chunked: { path: path(2), data, chunkSize: 64 * 1024, corruptChunk: 1 } },
        call('list_parts', { Key, UploadId }),
      ]);
      const goodAnswer = answer(good) as unknown as RawResponse;
      expect(goodAnswer.status).toBe(200);
      expect(goodAnswer.headers.etag).toBe(`"${md5(data)}"`);
      expect((answer(corrupt) as unknown as RawResponse).status).toBe(403);
      expect(answer(parts).Parts?.map((p) => [p.PartNumber, p.ETag])).toEqual([[1, `"${md5(data)}"`]]);
      await ok(call('abort_multipart_upload', { Key, UploadId }));
    }));

  it('aborts an upload: its parts are gone and nothing was stored', () =>
    withLogs(service, async () => {
      const Key = 'mp/aborted.bin';
      const { UploadId } = await ok(call('create_multipart_upload', { Key }));
      await ok(call('upload_part', { Key, UploadId, PartNumber: 1, Body: randomBytes(1000) }));
      const [abort, parts, again, head] = await run([
        call('abort_multipart_upload', { Key, UploadId }),
        call('list_parts', { Key, UploadId }),
        call('abort_multipart_upload', { Key, UploadId }),
        call('head_object', { Key }),
      ]);
      expect(answer(abort).ResponseMetadata.HTTPStatusCode).toBe(204);
      expect(errorOf(parts)).toEqual({ code: 'NoSuchUpload', status: 404 });
      expect(errorOf(again)).toEqual({ code: 'NoSuchUpload', status: 404 });
      expect(head.error?.status).toBe(404);
      expect(readdirSync(join(service.dataDir, 'uploads'))).not.toContain(UploadId);
    }));

  it('copies parts from existing objects with x-amz-copy-source-range', () =>
    withLogs(service, async () => {
      const source = randomBytes(6 * MiB);
      await ok(call('put_object', { Key: 'mp/copy-source.bin', Body: source }));
      const Key = 'mp/copied.bin';
      const { UploadId } = await ok(call('create_multipart_upload', { Key }));
      const CopySource = { Bucket: Bucket(), Key: 'mp/copy-source.bin' };
      const [first, second, outside] = await run([
        call('upload_part_copy', {
          Key,
          UploadId,
          PartNumber: 1,
          CopySource,
          CopySourceRange: `bytes=0-${5 * MiB - 1}`,
        }),
        call('upload_part_copy', { Key, UploadId, PartNumber: 2, CopySource }),
        call('upload_part_copy', { Key, UploadId, PartNumber: 3, CopySource, CopySourceRange: `bytes=0-${6 * MiB}` }),
      ]);
      expect(answer(first).CopyPartResult.ETag).toBe(`"${md5(source.subarray(0, 5 * MiB))}"`);
      expect(answer(second).CopyPartResult.ETag).toBe(`"${md5(source)}"`);
      expect(errorOf(outside)).toEqual({ code: 'InvalidRange', status: 416 });
      await ok(
        call('complete_multipart_upload', {
          Key,
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: answer(first).CopyPartResult.ETag },
              { PartNumber: 2, ETag: answer(second).CopyPartResult.ETag },
            ],
          },
        }),
      );
      const got = await ok(call('get_object', { Key }));
      expect(md5(got.Body)).toBe(md5(Buffer.concat([source.subarray(0, 5 * MiB), source])));
    }));

  it('verifies a FULL_OBJECT CRC32 given on completion: a wrong one stores nothing (BadDigest)', () =>
    withLogs(service, async () => {
      const Key = 'mp/full.bin';
      const parts = [randomBytes(5 * MiB), randomBytes(777)];
      const whole = Buffer.concat(parts);
      const created = await ok(
        call('create_multipart_upload', { Key, ChecksumAlgorithm: 'CRC32', ChecksumType: 'FULL_OBJECT' }),
      );
      const UploadId = created.UploadId;
      expect(created).toMatchObject({ ChecksumAlgorithm: 'CRC32', ChecksumType: 'FULL_OBJECT' });
      const uploaded = await run(
        parts.map((Body, i) =>
          call('upload_part', { Key, UploadId, PartNumber: i + 1, Body, ChecksumAlgorithm: 'CRC32' }),
        ),
      );
      const Parts = uploaded.map((r, i) => ({
        PartNumber: i + 1,
        ETag: answer(r).ETag,
        ChecksumCRC32: answer(r).ChecksumCRC32,
      }));
      const complete = (ChecksumCRC32: string) =>
        call('complete_multipart_upload', {
          Key,
          UploadId,
          ChecksumCRC32,
          ChecksumType: 'FULL_OBJECT',
          MultipartUpload: { Parts },
        });
      const [wrong, head] = await run([complete(crc32Of(Buffer.from('not the object'))), call('head_object', { Key })]);
      expect(errorOf(wrong)).toEqual({ code: 'BadDigest', status: 400 });
      expect(head.error?.status).toBe(404);
      const done = await ok(complete(crc32Of(whole)));
      expect(done).toMatchObject({ ChecksumCRC32: crc32Of(whole), ChecksumType: 'FULL_OBJECT' });
      // A full-object checksum is validated by botocore against the bytes it receives.
      const got = await ok(call('get_object', { Key, ChecksumMode: 'ENABLED' }));
      expect(got).toMatchObject({ ChecksumCRC32: crc32Of(whole), ChecksumType: 'FULL_OBJECT' });
      expect(md5(got.Body)).toBe(md5(whole));
    }));

  it('completes with If-None-Match: * only when the key is free', () =>
    withLogs(service, async () => {
      await ok(call('put_object', { Key: 'mp/taken.txt', Body: Buffer.from('first') }));
      const { UploadId } = await ok(call('create_multipart_upload', { Key: 'mp/taken.txt' }));
      const part = await ok(
        call('upload_part', { Key: 'mp/taken.txt', UploadId, PartNumber: 1, Body: Buffer.from('second') }),
      );
      const [refused, kept] = await run([
        call('complete_multipart_upload', {
          Key: 'mp/taken.txt',
          UploadId,
          IfNoneMatch: '*',
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
        }),
        call('get_object', { Key: 'mp/taken.txt' }),
      ]);
      expect(errorOf(refused)).toEqual({ code: 'PreconditionFailed', status: 412 });
      expect(answer(kept).Body.toString()).toBe('first');
    }));

  it('lists uploads with prefix, delimiter and key markers, page by page', () =>
    withLogs(service, async () => {
      const keys = ['list/a/1', 'list/a/2', 'list/b', 'list/c', 'list/c'];
      const ids: string[] = [];
      for (const Key of keys) ids.push((await ok(call('create_multipart_upload', { Key }))).UploadId);
      const [folded, page1] = await run([
        call('list_multipart_uploads', { Prefix: 'list/', Delimiter: '/' }),
        call('list_multipart_uploads', { Prefix: 'list/', MaxUploads: 3 }),
      ]);
      expect(answer(folded).CommonPrefixes).toEqual([{ Prefix: 'list/a/' }]);
      expect(answer(folded).Uploads?.map((u) => u.Key)).toEqual(['list/b', 'list/c', 'list/c']);
      const first = answer(page1);
      expect(first.Uploads?.map((u) => u.UploadId)).toEqual(ids.slice(0, 3));
      expect(first).toMatchObject({ IsTruncated: true, NextKeyMarker: 'list/b', NextUploadIdMarker: ids[2] });
      const page2 = await ok(
        call('list_multipart_uploads', {
          Prefix: 'list/',
          MaxUploads: 3,
          KeyMarker: first.NextKeyMarker,
          UploadIdMarker: first.NextUploadIdMarker,
        }),
      );
      expect(page2.Uploads?.map((u) => u.UploadId)).toEqual(ids.slice(3));
      expect(page2.IsTruncated).toBe(false);
      await run(keys.map((Key, i) => call('abort_multipart_upload', { Key, UploadId: ids[i] })));
    }));

  it('lets the sync engine see completed objects only, hashed by the md5 of their bytes', () =>
    withLogs(service, async () => {
      const parts = [randomBytes(5 * MiB), randomBytes(100)];
      const { UploadId } = await ok(call('create_multipart_upload', { Key: 'sync/done.bin' }));
      const uploaded = await run(
        parts.map((Body, i) => call('upload_part', { Key: 'sync/done.bin', UploadId, PartNumber: i + 1, Body })),
      );
      await ok(
        call('complete_multipart_upload', {
          Key: 'sync/done.bin',
          UploadId,
          MultipartUpload: { Parts: uploaded.map((r, i) => ({ PartNumber: i + 1, ETag: answer(r).ETag })) },
        }),
      );
      const pending = await ok(call('create_multipart_upload', { Key: 'sync/in-progress.bin' }));
      await ok(
        call('upload_part', {
          Key: 'sync/in-progress.bin',
          UploadId: pending.UploadId,
          PartNumber: 1,
          Body: randomBytes(10),
        }),
      );
      const status = await flush(service);
      expect(status.lastError ?? null).toBeNull();
      // The directory listing DVC keeps on the remote (a `.dir` object): relpath → md5 of each file.
      const remote = join(service.dataDir, 'dvc-remote', 'files', 'md5');
      const dirFiles = readdirSync(remote, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.dir'));
      const listings = dirFiles.map(
        (f) => JSON.parse(readFileSync(join(remote, f), 'utf8')) as Array<{ md5: string; relpath: string }>,
      );
      const latest = listings.find((l) => l.some((e) => e.relpath === 'sync/done.bin'));
      const whole = Buffer.concat(parts);
      expect(latest?.find((e) => e.relpath === 'sync/done.bin')?.md5).toBe(md5(whole));
      expect(listings.flat().some((e) => e.relpath.startsWith('sync/in-progress'))).toBe(false);
      const stored = readFileSync(join(remote, md5(whole).slice(0, 2), md5(whole).slice(2)));
      expect(md5(stored)).toBe(md5(whole));
    }));
});
