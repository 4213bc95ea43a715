import { describe, expect, it } from '@jest/globals';
import type { ListUploadsQuery, MultipartUpload } from '../../storage/storage.backend.js';
import { listUploads, parseListUploadsParams } from './upload-listing.js';

/** Uploads as the storage orders them (key bytes, then initiation), with its marker semantics. */
const uploadsOf = (keys: string[]): MultipartUpload[] =>
  keys.map((key, i) => ({ key, uploadId: `id${i}`, initiated: new Date(i), userMetadata: {} }));
const UPLOADS = uploadsOf(['a/1', 'a/2', 'b', 'c', 'c', 'd/x/1']);

/** The storage's listUploads over `all` (already in its order), recording the queries it got. */
function fetchFrom(all: MultipartUpload[]) {
  const queries: ListUploadsQuery[] = [];
  const fetch = (query: ListUploadsQuery) => {
    queries.push(query);
    const marker = all.findIndex((u) => u.key === query.keyMarker && u.uploadId === query.uploadIdMarker);
    const after = all.filter((u, i) => {
      if (!u.key.startsWith(query.prefix)) return false;
      if (query.keyMarker === undefined) return true;
      if (u.key !== query.keyMarker) return u.key > query.keyMarker;
      return marker >= 0 && i > marker;
    });
    return Promise.resolve(after.slice(0, query.limit));
  };
  return { fetch, queries };
}

const run = async (query: Record<string, string>) => {
  const listing = await listUploads(parseListUploadsParams(query), fetchFrom(UPLOADS).fetch);
  return { ...listing, uploads: listing.uploads.map((u) => u.uploadId) };
};

describe('listUploads', () => {
  it.each<[string, Record<string, string>, object]>([
    ['everything', {}, { uploads: ['id0', 'id1', 'id2', 'id3', 'id4', 'id5'], commonPrefixes: [], isTruncated: false }],
    ['a prefix', { prefix: 'a/' }, { uploads: ['id0', 'id1'], isTruncated: false }],
    ['a delimiter', { delimiter: '/' }, { uploads: ['id2', 'id3', 'id4'], commonPrefixes: ['a/', 'd/'] }],
    ['prefix and delimiter', { prefix: 'd/', delimiter: '/' }, { uploads: [], commonPrefixes: ['d/x/'] }],
    [
      'max-uploads',
      { 'max-uploads': '3' },
      { uploads: ['id0', 'id1', 'id2'], isTruncated: true, nextKeyMarker: 'b', nextUploadIdMarker: 'id2' },
    ],
    ['a key marker skips that key', { 'key-marker': 'c' }, { uploads: ['id5'] }],
    ['key and upload-id markers', { 'key-marker': 'c', 'upload-id-marker': 'id3' }, { uploads: ['id4', 'id5'] }],
    [
      'an upload-id marker alone is ignored',
      { 'upload-id-marker': 'id3' },
      { uploads: ['id0', 'id1', 'id2', 'id3', 'id4', 'id5'] },
    ],
    [
      'a CommonPrefix as key marker',
      { 'key-marker': 'a/', delimiter: '/' },
      { uploads: ['id2', 'id3', 'id4'], commonPrefixes: ['d/'] },
    ],
    [
      'truncation on a CommonPrefix',
      { delimiter: '/', 'max-uploads': '1' },
      { uploads: [], commonPrefixes: ['a/'], isTruncated: true, nextKeyMarker: 'a/', nextUploadIdMarker: undefined },
    ],
    ['max-uploads=0', { 'max-uploads': '0' }, { uploads: [], commonPrefixes: [], isTruncated: false }],
  ])('%s', async (_what, query, expected) => {
    expect(await run(query)).toMatchObject(expected);
  });

  it('reads further storage pages when folded prefixes leave the answer short', async () => {
    // 1,500 uploads under a/ fold into one CommonPrefix: the storage's first page of 1,000 is not enough.
    const many = uploadsOf([...Array.from({ length: 1500 }, (_, i) => `a/${String(i).padStart(4, '0')}`), 'b']);
    const { fetch, queries } = fetchFrom(many);
    const listing = await listUploads(parseListUploadsParams({ delimiter: '/' }), fetch);
    expect(listing.commonPrefixes).toEqual(['a/']);
    expect(listing.uploads.map((u) => u.key)).toEqual(['b']);
    expect(queries.map((q) => q.keyMarker)).toEqual([undefined, 'a/0999']);
  });

  it('refuses a max-uploads that is not a number, and caps large ones at 1000', () => {
    expect(() => parseListUploadsParams({ 'max-uploads': 'ten' })).toThrow(/max-uploads/);
    expect(parseListUploadsParams({ 'max-uploads': '5000' }).maxUploads).toBe(1000);
  });
});
