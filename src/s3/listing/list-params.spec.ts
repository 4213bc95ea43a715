import { describe, expect, it } from '@jest/globals';
import { S3Error } from '../errors/s3-error.js';
import { decodeContinuationToken, encodeContinuationToken, parseListParams } from './list-params.js';

describe('parseListParams', () => {
  it.each<[string, Record<string, string>, 1 | 2, Partial<ReturnType<typeof parseListParams>>]>([
    [
      'defaults (v1 names the owner)',
      {},
      1,
      { prefix: '', delimiter: undefined, maxKeys: 1000, after: undefined, fetchOwner: true },
    ],
    ['v2 names the owner only with fetch-owner=true', {}, 2, { fetchOwner: false }],
    ['v2 fetch-owner=true', { 'fetch-owner': 'true' }, 2, { fetchOwner: true }],
    ['max-keys above 1000 is capped (boto3 sometimes asks 10000)', { 'max-keys': '10000' }, 1, { maxKeys: 1000 }],
    ['max-keys 0', { 'max-keys': '0' }, 1, { maxKeys: 0 }],
    [
      'Label Studio "check connection"',
      { prefix: 'p', 'max-keys': '1', 'encoding-type': 'url' },
      2,
      { prefix: 'p', maxKeys: 1, encodingType: 'url' },
    ],
    ['v1 marker', { marker: 'm' }, 1, { after: 'm', marker: 'm' }],
    ['v2 start-after', { 'start-after': 's' }, 2, { after: 's', startAfter: 's' }],
    [
      'v2 continuation token wins over start-after',
      { 'start-after': 's', 'continuation-token': encodeContinuationToken('t/ü') },
      2,
      { after: 't/ü', startAfter: 's' },
    ],
    ['encoding-type is case-insensitive', { 'encoding-type': 'URL' }, 1, { encodingType: 'url' }],
  ])('%s', (_label, query, version, expected) => {
    expect(parseListParams(query, version)).toMatchObject(expected);
  });

  it.each<[string, Record<string, string>]>([
    ['negative max-keys', { 'max-keys': '-1' }],
    ['non-numeric max-keys', { 'max-keys': 'ten' }],
    ['unknown encoding-type', { 'encoding-type': 'base64' }],
    ['made-up continuation token', { 'continuation-token': '***' }],
    ['empty continuation token', { 'continuation-token': '' }],
  ])('%s → InvalidArgument', (_label, query) => {
    let thrown: unknown;
    try {
      parseListParams(query, 2);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(S3Error);
    expect((thrown as S3Error).code).toBe('InvalidArgument');
  });
});

describe('continuation tokens', () => {
  it.each(['a', 'exports//17', 'ü/🙂', 'foo+1/'])('round-trip %s', (last) => {
    expect(decodeContinuationToken(encodeContinuationToken(last))).toBe(last);
  });
});
