import { describe, expect, it } from '@jest/globals';
import type { ObjectMeta } from '../../storage/storage.backend.js';
import { objectHeadersFrom, objectResponseHeaders, userMetadataFrom } from './object-headers.js';

const dropChunked = (value: string | undefined) =>
  value
    ?.split(',')
    .map((v) => v.trim())
    .filter((v) => v !== 'aws-chunked')
    .join(', ') || undefined;

describe('userMetadataFrom', () => {
  it.each<[string, Record<string, string | undefined>, Record<string, string>]>([
    ['none', { 'content-type': 'a' }, {}],
    [
      'names lowercased, prefix removed',
      { 'X-Amz-Meta-Task-Id': '17', 'x-amz-meta-b': '' },
      { 'task-id': '17', b: '' },
    ],
    ['exactly 2 KB is allowed', { 'x-amz-meta-k': 'v'.repeat(2047) }, { k: 'v'.repeat(2047) }],
  ])('%s', (_label, headers, expected) => {
    expect(userMetadataFrom(headers)).toEqual(expected);
  });

  it('refuses more than 2 KB of metadata (names + values, UTF-8 bytes) with MetadataTooLarge', () => {
    const headers = { 'x-amz-meta-a': 'é'.repeat(1000), 'x-amz-meta-b': 'x'.repeat(47) };
    expect(() => userMetadataFrom(headers)).toThrow(expect.objectContaining({ code: 'MetadataTooLarge' }));
  });
});

describe('objectHeadersFrom', () => {
  it('stores the content headers a PUT sends, without the aws-chunked transport encoding', () => {
    const headers = {
      'content-type': 'application/json',
      'content-encoding': 'gzip, aws-chunked',
      'content-disposition': 'inline',
      'content-language': 'en',
      'cache-control': 'max-age=1',
      expires: 'Thu, 01 Dec 1994 16:00:00 GMT',
      'x-amz-meta-a': '1',
      authorization: 'AWS4-HMAC-SHA256 ...',
    };
    expect(objectHeadersFrom(headers, dropChunked)).toEqual({
      contentType: 'application/json',
      contentEncoding: 'gzip',
      contentDisposition: 'inline',
      contentLanguage: 'en',
      cacheControl: 'max-age=1',
      expires: 'Thu, 01 Dec 1994 16:00:00 GMT',
      userMetadata: { a: '1' },
    });
  });

  it('stores nothing for a Label Studio PUT (no Content-Type) and for aws-chunked alone', () => {
    expect(objectHeadersFrom({ 'content-encoding': 'aws-chunked' }, dropChunked)).toEqual({ userMetadata: {} });
  });
});

describe('objectResponseHeaders', () => {
  const meta: ObjectMeta = {
    key: 'k',
    size: 10,
    md5: 'aa',
    lastModified: new Date('2025-03-01T12:00:00Z'),
    userMetadata: { 'task-id': '17' },
    checksums: { crc32: 'AAAAAA==' },
  };

  it('full object: defaults the type, quotes the ETag, returns metadata', () => {
    expect(objectResponseHeaders(meta, { checksumMode: false, overrides: {} })).toEqual({
      'content-type': 'binary/octet-stream',
      'content-length': '10',
      etag: '"aa"',
      'last-modified': 'Sat, 01 Mar 2025 12:00:00 GMT',
      'accept-ranges': 'bytes',
      'x-amz-meta-task-id': '17',
    });
  });

  it.each<[string, boolean, { start: number; end: number } | undefined, boolean]>([
    ['checksum mode, full object → checksum', true, undefined, true],
    ['checksum mode, range → never a checksum of other bytes', true, { start: 0, end: 3 }, false],
    ['no checksum mode → none', false, undefined, false],
  ])('%s', (_label, checksumMode, range, present) => {
    const headers = objectResponseHeaders(meta, { checksumMode, range, overrides: {} });
    expect(headers['x-amz-checksum-crc32']).toBe(present ? 'AAAAAA==' : undefined);
  });

  it('range: length and Content-Range of the part', () => {
    const headers = objectResponseHeaders(meta, { checksumMode: false, range: { start: 2, end: 5 }, overrides: {} });
    expect(headers['content-length']).toBe('4');
    expect(headers['content-range']).toBe('bytes 2-5/10');
  });

  it('overrides win over stored headers', () => {
    const stored = { ...meta, contentType: 'application/json' };
    const headers = objectResponseHeaders(stored, { checksumMode: false, overrides: { 'content-type': 'text/plain' } });
    expect(headers['content-type']).toBe('text/plain');
  });
});
