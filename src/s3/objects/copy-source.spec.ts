import { describe, expect, it } from '@jest/globals';
import { S3Error } from '../errors/s3-error.js';
import { CopySource, parseCopySource, parseMetadataDirective } from './copy-source.js';

describe('parseCopySource', () => {
  it.each<[string, CopySource]>([
    ['bucket/key', { bucket: 'bucket', key: 'key' }],
    ['/bucket/a/b.json', { bucket: 'bucket', key: 'a/b.json' }],
    ['bucket/exports//17', { bucket: 'bucket', key: 'exports//17' }],
    ['bucket/a%20b%2Bc%3Fd', { bucket: 'bucket', key: 'a b+c?d' }],
    ['bucket/%C3%BC', { bucket: 'bucket', key: 'ü' }],
    ['bucket/k?versionId=null', { bucket: 'bucket', key: 'k', versionId: 'null' }],
  ])('%s', (header, expected) => {
    expect(parseCopySource(header)).toEqual(expected);
  });

  it.each([['bucket'], ['bucket/'], ['/key-only'], ['Bad_Bucket/k'], ['bucket/k?acl'], ['bucket/%ZZ']])(
    '%s is refused',
    (header) => {
      expect(() => parseCopySource(header)).toThrow(S3Error);
    },
  );
});

describe('parseMetadataDirective', () => {
  it.each<[string | undefined, string]>([
    [undefined, 'COPY'],
    ['COPY', 'COPY'],
    ['REPLACE', 'REPLACE'],
  ])('%s → %s', (header, expected) => {
    expect(parseMetadataDirective(header)).toBe(expected);
  });
  it('refuses anything else', () => {
    expect(() => parseMetadataDirective('MERGE')).toThrow(S3Error);
  });
});
