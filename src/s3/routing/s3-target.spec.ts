import { describe, expect, it } from '@jest/globals';
import { S3Error } from '../errors/s3-error.js';
import { isValidBucketName, parseQuery, parseS3Target, S3Target, splitRawUrl } from './s3-target.js';

describe('parseS3Target (keys from the raw path, decoded once)', () => {
  it.each<[string, S3Target]>([
    ['/', {}],
    ['/annotations', { bucket: 'annotations' }],
    ['/annotations/', { bucket: 'annotations' }],
    ['/annotations/exports//17', { bucket: 'annotations', key: 'exports//17' }],
    ['/annotations/a+b', { bucket: 'annotations', key: 'a+b' }],
    ['/annotations/a%2Bb%20c', { bucket: 'annotations', key: 'a+b c' }],
    ['/annotations/dir/', { bucket: 'annotations', key: 'dir/' }],
    ['/annotations/%2525', { bucket: 'annotations', key: '%25' }],
    ['/annotations/%C3%BC/%F0%9F%99%82', { bucket: 'annotations', key: 'ü/🙂' }],
    ['/annotations/../etc/passwd', { bucket: 'annotations', key: '../etc/passwd' }],
    ['/annotations/a%2F..%2Fb', { bucket: 'annotations', key: 'a/../b' }],
    ['/my.bucket-1/k', { bucket: 'my.bucket-1', key: 'k' }],
  ])('%s', (rawPath, expected) => {
    expect(parseS3Target(rawPath)).toEqual(expected);
  });

  it.each<[string, string]>([
    ['/_admin/health', 'InvalidBucketName'],
    ['/Annotations/k', 'InvalidBucketName'],
    ['/ab', 'InvalidBucketName'],
    ['/a%62c/k', 'InvalidBucketName'],
    ['/annotations/%ZZ', 'InvalidURI'],
    ['/annotations/%C3', 'InvalidURI'],
    ['annotations/k', 'InvalidURI'],
  ])('%s → %s', (rawPath, code) => {
    let thrown: unknown;
    try {
      parseS3Target(rawPath);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(S3Error);
    expect((thrown as S3Error).code).toBe(code);
  });
});

describe('isValidBucketName', () => {
  it.each<[string, boolean]>([
    ['annotations', true],
    ['a.b-c', true],
    ['abc', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['_admin', false],
    ['ab', false],
    ['a..b', false],
    ['-ab', false],
    ['192.168.1.1', false],
    ['xn--abc', false],
  ])('%s → %s', (name, valid) => {
    expect(isValidBucketName(name)).toBe(valid);
  });
});

describe('splitRawUrl / parseQuery', () => {
  it('splits path and query without decoding', () => {
    expect(splitRawUrl('/b/a%20b?prefix=x%2By&list-type=2')).toEqual({
      rawPath: '/b/a%20b',
      rawQuery: 'prefix=x%2By&list-type=2',
    });
    expect(splitRawUrl('/b/k')).toEqual({ rawPath: '/b/k', rawQuery: '' });
  });

  it.each<[string, Record<string, string>]>([
    ['', {}],
    ['location', { location: '' }],
    ['delete=&x-id=DeleteObjects', { delete: '', 'x-id': 'DeleteObjects' }],
    ['prefix=tasks%2F&delimiter=%2F&encoding-type=url', { prefix: 'tasks/', delimiter: '/', 'encoding-type': 'url' }],
    ['prefix=a+b%2Bc', { prefix: 'a b+c' }],
    ['prefix=a+b&x+y=1', { prefix: 'a b', 'x y': '1' }], // `+` alone, in a value and in a name
    ['a=1&a=2', { a: '1' }],
    ['__proto__=x', { ['__proto__']: 'x' }],
  ])('%s', (raw, expected) => {
    expect({ ...parseQuery(raw) }).toEqual(expected);
  });
});
