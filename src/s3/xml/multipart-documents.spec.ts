import { describe, expect, it } from '@jest/globals';
import type { MultipartUpload, ObjectMeta, PartMeta } from '../../storage/storage.backend.js';
import { parseListUploadsParams } from '../multipart/upload-listing.js';
import { completeResult, initiateResult, listPartsResult, listUploadsResult } from './multipart-documents.js';
import { renderXml } from './s3-xml.writer.js';

const DECL = '<?xml version="1.0" encoding="UTF-8"?>';
const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const owner = { ID: 'id', DisplayName: 'name' };
const at = new Date('2025-01-02T03:04:05.006Z');
const upload = (key: string, extra: Partial<MultipartUpload> = {}): MultipartUpload => ({
  key,
  uploadId: 'u1',
  initiated: at,
  userMetadata: {},
  ...extra,
});
const part = (partNumber: number, checksums: Record<string, string> = {}): PartMeta => ({
  partNumber,
  size: 5,
  md5: 'abc',
  lastModified: at,
  checksums,
});

describe('multipart result documents', () => {
  it('InitiateMultipartUploadResult: Bucket, Key, UploadId', () => {
    expect(renderXml(initiateResult('b', upload('a b')))).toBe(
      `${DECL}<InitiateMultipartUploadResult ${NS}><Bucket>b</Bucket><Key>a b</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>`,
    );
  });

  it.each<[string, Record<string, string>, string]>([
    ['no checksum', {}, ''],
    [
      'a composite checksum',
      { crc32: 'ZYzvyg==-2' },
      '<ChecksumCRC32>ZYzvyg==-2</ChecksumCRC32><ChecksumType>COMPOSITE</ChecksumType>',
    ],
    [
      'a full-object checksum',
      { crc64nvme: 'AAAAAAAAAAA=' },
      '<ChecksumCRC64NVME>AAAAAAAAAAA=</ChecksumCRC64NVME><ChecksumType>FULL_OBJECT</ChecksumType>',
    ],
  ])('CompleteMultipartUploadResult with %s: the composite ETag, quoted', (_what, checksums, expected) => {
    const meta: ObjectMeta = {
      key: 'k',
      size: 10,
      md5: 'whole',
      lastModified: at,
      userMetadata: {},
      checksums,
      multipart: { etag: 'abc-2', partSizes: [5, 5] },
    };
    expect(renderXml(completeResult('http://h/b/k', 'b', meta))).toBe(
      `${DECL}<CompleteMultipartUploadResult ${NS}><Location>http://h/b/k</Location><Bucket>b</Bucket><Key>k</Key>` +
        `<ETag>"abc-2"</ETag>${expected}</CompleteMultipartUploadResult>`,
    );
  });

  it('ListPartsResult: markers, parts with checksums, owner, the upload checksum; keys url-encoded on request', () => {
    const page = {
      upload: upload('a b', { checksumAlgorithm: 'crc32', checksumType: 'COMPOSITE' as const }),
      parts: [part(2, { crc32: 'NSRBwg==' })],
      partNumberMarker: 1,
      maxParts: 1,
      isTruncated: true,
      encodingType: 'url' as const,
    };
    const xml = renderXml(listPartsResult('b', page, owner));
    expect(xml).toContain('<Key>a%20b</Key><UploadId>u1</UploadId><PartNumberMarker>1</PartNumberMarker>');
    expect(xml).toContain(
      '<NextPartNumberMarker>2</NextPartNumberMarker><MaxParts>1</MaxParts><IsTruncated>true</IsTruncated>',
    );
    expect(xml).toContain(
      '<Part><PartNumber>2</PartNumber><LastModified>2025-01-02T03:04:05.006Z</LastModified><ETag>"abc"</ETag><Size>5</Size><ChecksumCRC32>NSRBwg==</ChecksumCRC32></Part>',
    );
    expect(xml).toContain('<ChecksumAlgorithm>CRC32</ChecksumAlgorithm><ChecksumType>COMPOSITE</ChecksumType>');
    expect(xml).toContain('<EncodingType>url</EncodingType>');
  });

  it('ListMultipartUploadsResult: next markers only when truncated, CommonPrefixes, url encoding', () => {
    const params = parseListUploadsParams({ prefix: 'p ', delimiter: '/', 'encoding-type': 'url', 'max-uploads': '2' });
    const listing = {
      uploads: [upload('p a')],
      commonPrefixes: ['p b/'],
      isTruncated: true,
      nextKeyMarker: 'p b/',
      nextUploadIdMarker: undefined,
    };
    const xml = renderXml(listUploadsResult('b', params, listing, owner));
    expect(xml).toContain('<KeyMarker/><UploadIdMarker/><NextKeyMarker>p%20b/</NextKeyMarker><NextUploadIdMarker/>');
    expect(xml).toContain(
      '<Delimiter>/</Delimiter><Prefix>p%20</Prefix><MaxUploads>2</MaxUploads><IsTruncated>true</IsTruncated>',
    );
    expect(xml).toContain('<Upload><Key>p%20a</Key><UploadId>u1</UploadId>');
    expect(xml).toContain('<Initiated>2025-01-02T03:04:05.006Z</Initiated>');
    expect(xml).toContain('<CommonPrefixes><Prefix>p%20b/</Prefix></CommonPrefixes>');
    const done = renderXml(listUploadsResult('b', params, { ...listing, isTruncated: false }, owner));
    expect(done).not.toContain('NextKeyMarker');
  });
});
