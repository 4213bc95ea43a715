import { describe, expect, it } from '@jest/globals';
import { S3Error } from '../errors/s3-error.js';
import { operationName, resolveOperation, S3Operation } from './s3-operation.router.js';
import type { S3Target } from './s3-target.js';

const service: S3Target = {};
const bucket: S3Target = { bucket: 'annotations' };
const object: S3Target = { bucket: 'annotations', key: 'exports//17' };

function route(method: string, target: S3Target, query: Record<string, string> = {}, hasCopySource = false): string {
  try {
    return resolveOperation({ method, target, query, hasCopySource });
  } catch (error) {
    const e = error as S3Error;
    return `${e.status} ${e.code}: ${e.message}`;
  }
}

describe('resolveOperation', () => {
  it.each<[string, S3Target, Record<string, string>, boolean, S3Operation]>([
    ['GET', service, {}, false, 'ListBuckets'],
    ['GET', service, { 'x-id': 'ListBuckets' }, false, 'ListBuckets'],
    ['HEAD', bucket, {}, false, 'HeadBucket'],
    ['GET', bucket, { location: '' }, false, 'GetBucketLocation'],
    ['GET', bucket, { versioning: '' }, false, 'GetBucketVersioning'],
    ['GET', bucket, {}, false, 'ListObjects'],
    ['GET', bucket, { prefix: 'tasks/', delimiter: '/', 'encoding-type': 'url', marker: 'a' }, false, 'ListObjects'],
    ['GET', bucket, { 'list-type': '2', prefix: 'p', 'max-keys': '1', 'encoding-type': 'url' }, false, 'ListObjectsV2'],
    [
      'GET',
      bucket,
      { 'list-type': '2', 'continuation-token': 't', 'start-after': 's', 'fetch-owner': 'true' },
      false,
      'ListObjectsV2',
    ],
    ['PUT', bucket, {}, false, 'CreateBucket'],
    ['POST', bucket, { delete: '' }, false, 'DeleteObjects'],
    ['POST', bucket, { delete: '', 'x-id': 'DeleteObjects' }, false, 'DeleteObjects'],
    ['GET', object, {}, false, 'GetObject'],
    ['GET', object, { 'x-id': 'GetObject', 'response-content-type': 'image/png' }, false, 'GetObject'],
    [
      'GET',
      object,
      { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256', 'X-Amz-Signature': 'abc', 'X-Amz-Expires': '60' },
      false,
      'GetObject',
    ],
    ['GET', object, { versionId: 'null' }, false, 'GetObject'],
    ['HEAD', object, {}, false, 'HeadObject'],
    ['PUT', object, {}, false, 'PutObject'],
    ['PUT', object, { 'x-id': 'PutObject' }, false, 'PutObject'],
    ['PUT', object, {}, true, 'CopyObject'],
    ['DELETE', object, {}, false, 'DeleteObject'],
    ['GET', object, { partNumber: '2' }, false, 'GetObject'],
    ['HEAD', object, { partNumber: '1' }, false, 'HeadObject'],
    ['POST', object, { uploads: '' }, false, 'CreateMultipartUpload'],
    ['POST', object, { uploads: '', 'x-id': 'CreateMultipartUpload' }, false, 'CreateMultipartUpload'],
    ['PUT', object, { partNumber: '1', uploadId: 'u', 'x-id': 'UploadPart' }, false, 'UploadPart'],
    ['PUT', object, { partNumber: '1', uploadId: 'u' }, true, 'UploadPartCopy'],
    ['POST', object, { uploadId: 'u' }, false, 'CompleteMultipartUpload'],
    ['DELETE', object, { uploadId: 'u' }, false, 'AbortMultipartUpload'],
    ['GET', object, { uploadId: 'u', 'max-parts': '2', 'part-number-marker': '1' }, false, 'ListParts'],
    [
      'GET',
      bucket,
      { uploads: '', prefix: 'p', delimiter: '/', 'key-marker': 'k', 'upload-id-marker': 'u', 'max-uploads': '3' },
      false,
      'ListMultipartUploads',
    ],
  ])('%s %j %j (copy source: %s) → %s', (method, target, query, copy, expected) => {
    expect(route(method, target, query, copy)).toBe(expected);
  });

  it.each<[string, S3Target, Record<string, string>, RegExp]>([
    ['PUT', object, { partNumber: '1' }, /^400 InvalidRequest: .*partNumber and uploadId/],
    ['PUT', object, { uploadId: 'u' }, /^400 InvalidRequest: .*partNumber and uploadId/],
    ['PUT', object, { partNumber: '1', uploadId: 'u', tagging: '' }, /^501 NotImplemented: .*'tagging'/],
    ['POST', bucket, { uploads: '' }, /^501 NotImplemented: POST to a bucket/],
    ['GET', object, { uploads: '' }, /^501 NotImplemented: .*'uploads'/],
    ['GET', bucket, { acl: '' }, /^501 NotImplemented: .*'acl'/],
    ['PUT', object, { tagging: '' }, /^501 NotImplemented: .*'tagging'/],
    ['PUT', bucket, { versioning: '' }, /^501 NotImplemented: .*'versioning'/],
    ['PUT', bucket, { policy: '' }, /^501 NotImplemented: .*'policy'/],
    ['GET', bucket, { versions: '' }, /^501 NotImplemented: .*'versions'/],
    ['PUT', bucket, { cors: '' }, /^501 NotImplemented: .*'cors'/],
    ['GET', object, { versionId: 'abc' }, /^501 NotImplemented: Object versions/],
    ['POST', bucket, {}, /^501 NotImplemented: POST to a bucket/],
    ['POST', object, { restore: '' }, /^501 NotImplemented/],
    ['DELETE', bucket, {}, /^501 NotImplemented: DeleteBucket/],
    ['GET', bucket, { 'list-type': '3' }, /^400 InvalidArgument/],
    ['PUT', service, {}, /^405 MethodNotAllowed/],
    ['PATCH', object, {}, /^405 MethodNotAllowed/],
  ])('%s %j %j → %s', (method, target, query, expected) => {
    expect(route(method, target, query)).toMatch(expected);
  });
});

describe('operationName', () => {
  const input = (method: string, target: S3Target, query: Record<string, string> = {}) => ({
    method,
    target,
    query,
    hasCopySource: false,
  });

  it('names what resolveOperation resolves, and nothing where it refuses, without throwing', () => {
    expect(operationName(input('PUT', object))).toBe('PutObject');
    expect(operationName(input('GET', object, { acl: '' }))).toBeUndefined();
    expect(operationName(input('PUT', object, { uploads: '' }))).toBeUndefined();
    expect(operationName(input('POST', object, { uploads: '' }))).toBe('CreateMultipartUpload');
    expect(operationName(input('PATCH', object))).toBeUndefined();
  });
});
