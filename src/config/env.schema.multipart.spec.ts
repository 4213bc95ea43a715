import { describe, expect, it } from '@jest/globals';
import { validateEnvironment } from './env.schema.js';

describe('multipart settings', () => {
  it('defaults to 5 GiB objects and a 24-hour expiry of abandoned uploads', () => {
    expect(validateEnvironment({})).toMatchObject({ S3_MAX_OBJECT_SIZE: 5 * 1024 ** 3, S3_MULTIPART_EXPIRY_HOURS: 24 });
  });

  it.each([
    ['S3_MULTIPART_EXPIRY_HOURS', '1', 1],
    ['S3_MULTIPART_EXPIRY_HOURS', '8760', 8760],
    ['S3_MAX_OBJECT_SIZE', String(5 * 1024 ** 4), 5 * 1024 ** 4],
  ])('accepts %s=%s', (name, value, parsed) => {
    expect(validateEnvironment({ [name]: value })).toMatchObject({ [name]: parsed });
  });

  it.each([
    ['S3_MULTIPART_EXPIRY_HOURS', '0'],
    ['S3_MULTIPART_EXPIRY_HOURS', '8761'],
    ['S3_MULTIPART_EXPIRY_HOURS', '1.5'],
    ['S3_MULTIPART_EXPIRY_HOURS', 'a day'],
    ['S3_MAX_OBJECT_SIZE', String(5 * 1024 ** 4 + 1)],
    ['S3_MAX_OBJECT_SIZE', '0'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => validateEnvironment({ [name]: value })).toThrow(`${name}=${JSON.stringify(value)}`);
  });
});
