import { describe, expect, it } from '@jest/globals';
import { S3Access, s3AccessLine } from './s3-access.line.js';

const base: S3Access = {
  requestId: 'ABCDEF0123456789',
  method: 'PUT',
  operation: 'PutObject',
  target: { bucket: 'annotations', key: 'exports/1' },
  rawPath: '/annotations/exports/1',
  status: 200,
  errorCode: undefined,
  bytesIn: 2048,
  contentLength: '0',
  durationSeconds: 0.00123456,
  client: '127.0.0.1',
};

describe('s3AccessLine', () => {
  it.each<[string, Partial<S3Access>, string, Record<string, unknown>]>([
    [
      'a PUT: operation, bucket, key, status, bytes, duration (ms, 0.1 precision), client',
      {},
      'PutObject 200',
      {
        requestId: 'ABCDEF0123456789',
        operation: 'PutObject',
        bucket: 'annotations',
        key: 'exports/1',
        status: 200,
        bytesIn: 2048,
        bytesOut: 0,
        durationMs: 1.2,
        client: '127.0.0.1',
      },
    ],
    [
      'a GET: the bytes answered',
      { method: 'GET', operation: 'GetObject', bytesIn: 0, contentLength: '5000' },
      'GetObject 200',
      { operation: 'GetObject', bytesIn: 0, bytesOut: 5000 },
    ],
    [
      'a HEAD sends no body, whatever length it announces',
      { method: 'HEAD', operation: 'HeadObject', bytesIn: 0, contentLength: '5000' },
      'HeadObject 200',
      { bytesOut: 0 },
    ],
    [
      'an error: its S3 code in the message and as a field',
      { status: 403, errorCode: 'SignatureDoesNotMatch' },
      'PutObject 403 SignatureDoesNotMatch',
      { status: 403, errorCode: 'SignatureDoesNotMatch' },
    ],
    [
      'no operation named (preflight, bad path): the method, and the raw path instead of bucket/key',
      {
        method: 'OPTIONS',
        operation: undefined,
        target: undefined,
        rawPath: '/Bad_Bucket/x',
        contentLength: undefined,
      },
      'OPTIONS 200',
      { operation: 'OPTIONS', path: '/Bad_Bucket/x', bucket: undefined, key: undefined, bytesOut: undefined },
    ],
  ])('%s', (_name, change, message, fields) => {
    const line = s3AccessLine({ ...base, ...change });
    expect(line.message).toBe(message);
    expect(line.fields).toMatchObject(fields);
  });
});
