import { describe, expect, it } from '@jest/globals';
import { S3Error } from '../errors/s3-error.js';
import { assertAcceptableKey } from './object-key.js';

describe('assertAcceptableKey', () => {
  it.each([
    'exports//17',
    'exports/17',
    '/leading-slash',
    'dir/',
    'a..b/..c/d..',
    '.hidden/file',
    '...',
    'ü'.repeat(512),
    'k'.repeat(1024),
  ])('accepts %j', (key) => {
    expect(() => assertAcceptableKey(key)).not.toThrow();
  });

  it.each<[string, string]>([
    ['../x', 'InvalidObjectName'],
    ['a/../../x', 'InvalidObjectName'],
    ['a/./b', 'InvalidObjectName'],
    ['..', 'InvalidObjectName'],
    ['a/..', 'InvalidObjectName'],
    ['a\0b', 'InvalidObjectName'],
    ['k'.repeat(1025), 'KeyTooLongError'],
    ['ü'.repeat(513), 'KeyTooLongError'],
  ])('refuses %j with %s', (key, code) => {
    let thrown: unknown;
    try {
      assertAcceptableKey(key);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(S3Error);
    expect((thrown as S3Error).code).toBe(code);
  });
});
