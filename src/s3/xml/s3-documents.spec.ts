import { describe, expect, it } from '@jest/globals';
import type { ObjectMeta } from '../../storage/storage.backend.js';
import { S3Error } from '../errors/s3-error.js';
import { parseListParams } from '../listing/list-params.js';
import type { ListingState } from '../listing/listing.js';
import {
  copyObjectResult,
  deleteResult,
  errorDocument,
  errorHeaders,
  listBucketsResult,
  listObjectsResult,
  locationResult,
  urlEncodeKey,
} from './s3-documents.js';
import { renderXml } from './s3-xml.writer.js';

const DECL = '<?xml version="1.0" encoding="UTF-8"?>';
const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const owner = { ID: 'id', DisplayName: 'name' };

function meta(key: string): ObjectMeta {
  return {
    key,
    size: 3,
    md5: 'abc',
    lastModified: new Date('2025-01-02T03:04:05.006Z'),
    userMetadata: {},
    checksums: {},
  };
}

describe('renderXml + documents', () => {
  it('error document: declaration, Code, Message, extra elements, Resource, RequestId; lowercase details are headers', () => {
    const error = new S3Error('InvalidRange', undefined, { ActualObjectSize: '3', 'content-range': 'bytes */3' });
    expect(renderXml(errorDocument(error, '/b/k', 'REQ1'))).toBe(
      `${DECL}<Error><Code>InvalidRange</Code><Message>The requested range is not satisfiable.</Message>` +
        '<ActualObjectSize>3</ActualObjectSize><Resource>/b/k</Resource><RequestId>REQ1</RequestId></Error>',
    );
    expect(errorHeaders(error)).toEqual({ 'content-range': 'bytes */3' });
  });

  it('an error message with control characters still renders', () => {
    expect(renderXml(errorDocument(new S3Error('InvalidObjectName', 'bad \u0001 key'), '/b/%01', 'R'))).toContain(
      'bad \uFFFD key',
    );
  });

  it('GetBucketLocation: empty for us-east-1, the region otherwise', () => {
    expect(renderXml(locationResult('us-east-1'))).toBe(`${DECL}<LocationConstraint ${NS}/>`);
    expect(renderXml(locationResult('eu-west-1'))).toBe(
      `${DECL}<LocationConstraint ${NS}>eu-west-1</LocationConstraint>`,
    );
  });

  it('ListBuckets names the one bucket', () => {
    const xml = renderXml(listBucketsResult(['annotations'], new Date('2025-01-01T00:00:00Z'), owner, 'us-east-1'));
    expect(xml).toContain(`<ListAllMyBucketsResult ${NS}><Owner><ID>id</ID><DisplayName>name</DisplayName></Owner>`);
    expect(xml).toContain('<Bucket><Name>annotations</Name><CreationDate>2025-01-01T00:00:00.000Z</CreationDate>');
  });

  it('ListObjectsV2 always has KeyCount, even when empty (Label Studio needs it)', () => {
    const params = parseListParams({ 'list-type': '2', prefix: 'p/', 'max-keys': '1', 'encoding-type': 'url' }, 2);
    const xml = renderXml(
      listObjectsResult('b', params, { contents: [], commonPrefixes: [], isTruncated: false }, owner),
    );
    expect(xml).toBe(
      `${DECL}<ListBucketResult ${NS}><Name>b</Name><Prefix>p/</Prefix><MaxKeys>1</MaxKeys><KeyCount>0</KeyCount>` +
        '<IsTruncated>false</IsTruncated><EncodingType>url</EncodingType></ListBucketResult>',
    );
  });

  it('encoding-type=url encodes keys and prefixes (ceph test_bucket_list_delimiter_prefix_ends_with_delimiter / unreadable)', () => {
    const params = parseListParams({ delimiter: '/', 'encoding-type': 'url' }, 1);
    const state: ListingState = {
      contents: [meta('asdf+b')],
      commonPrefixes: ['foo+1/', 'foo/', 'quux ab/'],
      isTruncated: false,
    };
    const xml = renderXml(listObjectsResult('b', params, state, owner));
    expect(xml).toContain('<Key>asdf%2Bb</Key>');
    expect(xml).toContain(
      '<CommonPrefixes><Prefix>foo%2B1/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>foo/</Prefix></CommonPrefixes>',
    );
    expect(xml).toContain('<Prefix>quux%20ab/</Prefix>');
    expect(xml).toContain('<Delimiter>/</Delimiter>');
    expect(xml).toContain('<EncodingType>url</EncodingType>');
  });

  it('v1 truncated with a delimiter has NextMarker; Contents carry Key, LastModified, ETag, Size, Owner, StorageClass', () => {
    const params = parseListParams({ delimiter: '/', 'max-keys': '1' }, 1);
    const state: ListingState = { contents: [meta('a')], commonPrefixes: [], isTruncated: true, last: 'a' };
    const xml = renderXml(listObjectsResult('b', params, state, owner));
    expect(xml).toContain(
      '<Marker/><MaxKeys>1</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated><NextMarker>a</NextMarker>',
    );
    expect(xml).toContain(
      '<Contents><Key>a</Key><LastModified>2025-01-02T03:04:05.006Z</LastModified><ETag>"abc"</ETag><Size>3</Size>' +
        '<Owner><ID>id</ID><DisplayName>name</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents>',
    );
  });

  it('v2 truncated has NextContinuationToken and echoes StartAfter', () => {
    const params = parseListParams({ 'list-type': '2', 'start-after': 'a' }, 2);
    const state: ListingState = { contents: [meta('b')], commonPrefixes: [], isTruncated: true, last: 'b' };
    const xml = renderXml(listObjectsResult('bk', params, state, owner));
    expect(xml).toContain('<NextContinuationToken>Yg</NextContinuationToken><StartAfter>a</StartAfter>');
    expect(xml).not.toContain('<Owner>');
  });

  it('DeleteResult lists Deleted and Error entries; quiet lists only errors', () => {
    const outcomes = [{ key: 'a' }, { key: '../x', error: new S3Error('InvalidObjectName') }];
    expect(renderXml(deleteResult(outcomes, false))).toContain(
      '<Deleted><Key>a</Key></Deleted><Error><Key>../x</Key><Code>InvalidObjectName</Code>',
    );
    expect(renderXml(deleteResult(outcomes, true))).not.toContain('<Deleted>');
  });

  it('CopyObjectResult', () => {
    expect(renderXml(copyObjectResult(meta('a')))).toBe(
      `${DECL}<CopyObjectResult ${NS}><LastModified>2025-01-02T03:04:05.006Z</LastModified><ETag>"abc"</ETag></CopyObjectResult>`,
    );
  });

  it('a key XML cannot carry is a clear error, not a broken document', () => {
    const params = parseListParams({}, 1);
    const state: ListingState = { contents: [meta('a\u0001')], commonPrefixes: [], isTruncated: false };
    expect(() => renderXml(listObjectsResult('b', params, state, owner))).toThrow(/encoding-type=url/);
  });
});

describe('urlEncodeKey', () => {
  it.each([
    ['foo+1/', 'foo%2B1/'],
    ['quux ab/', 'quux%20ab/'],
    ['exports//17', 'exports//17'],
    ['ü', '%C3%BC'],
    ["a*b'(c)!", 'a%2Ab%27%28c%29%21'],
    ['a-b_c.d~e', 'a-b_c.d~e'],
  ])('%s → %s', (key, expected) => {
    expect(urlEncodeKey(key)).toBe(expected);
  });
});
