import { describe, expect, it } from '@jest/globals';
import { isAdminPath } from './s3-request.listener.js';

describe('isAdminPath: which requests go to the admin API instead of the S3 layer', () => {
  it.each<[string, boolean]>([
    ['/_admin', true],
    ['/_admin/', true],
    ['/_admin/health', true],
    ['/_admin?format=json', true],
    ['/_administrator', false], // an (invalid) bucket name: answered by the S3 layer as InvalidBucketName
    ['/_admi', false],
    ['/bucket/_admin', false],
    ['/', false],
    ['', false],
  ])('%j → %s', (url, admin) => {
    expect(isAdminPath(url)).toBe(admin);
  });
});
