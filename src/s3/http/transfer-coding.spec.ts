import { describe, expect, it } from '@jest/globals';
import { S3Error } from '../errors/s3-error.js';
import { assertSupportedTransferCoding } from './transfer-coding.js';

describe('assertSupportedTransferCoding', () => {
  it.each([[undefined], ['chunked'], ['Chunked'], [' chunked '], [['chunked']]])('accepts %j', (header) => {
    expect(() => assertSupportedTransferCoding(header)).not.toThrow();
  });

  it.each([
    ['gzip, chunked', 'gzip'],
    ['GZIP,chunked', 'gzip'],
    ['deflate, chunked', 'deflate'],
    ['compress, gzip, chunked', 'compress, gzip'],
    ['x-custom, chunked', 'x-custom'],
    [['gzip', 'chunked'], 'gzip'],
  ])('refuses %j with 501 NotImplemented naming %s', (header, named) => {
    let thrown: unknown;
    try {
      assertSupportedTransferCoding(header);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(S3Error);
    expect({ code: (thrown as S3Error).code, status: (thrown as S3Error).status }).toEqual({
      code: 'NotImplemented',
      status: 501,
    });
    expect((thrown as S3Error).message).toContain(`'${named}'`);
  });
});
