import { describe, expect, it } from '@jest/globals';
import type { ListQuery, ObjectMeta } from '../../storage/storage.backend.js';
import { encodeContinuationToken, ListParams, parseListParams } from './list-params.js';
import { compareKeys } from '../../storage/key-order.js';
import { advanceListing, commonPrefixOf, ListingState, startListing } from './listing.js';

function meta(key: string): ObjectMeta {
  return { key, size: 1, md5: 'x', lastModified: new Date(0), userMetadata: {}, checksums: {} };
}

/** The storage contract (StorageBackend.listObjects), over a sorted array. */
function storagePage(keys: string[], query: ListQuery): ObjectMeta[] {
  return [...keys]
    .sort(compareKeys)
    .filter((k) => k.startsWith(query.prefix))
    .filter((k) => query.after === undefined || compareKeys(k, query.after) > 0)
    .filter((k) => !query.skipPrefix || !k.startsWith(query.skipPrefix))
    .slice(0, query.limit)
    .map(meta);
}

function list(keys: string[], query: Record<string, string>, version: 1 | 2 = 1): ListingState & { calls: number } {
  const params: ListParams = parseListParams(query, version);
  let state = startListing(params);
  let calls = 0;
  while (state.next) {
    calls++;
    state = advanceListing(state, params, storagePage(keys, state.next));
  }
  return { ...state, calls };
}

interface Expected {
  keys: string[];
  prefixes: string[];
  truncated: boolean;
  last?: string;
}

function summary(state: ListingState): Expected {
  return {
    keys: state.contents.map((o) => o.key),
    prefixes: state.commonPrefixes,
    truncated: state.isTruncated,
    ...(state.isTruncated ? { last: state.last } : {}),
  };
}

const ceph = ['foo/bar', 'foo/bar/xyzzy', 'quux/thud', 'asdf'];
const many = ['asdf', 'boo/bar', 'boo/baz/xyzzy', 'cquux/thud', 'cquux/bla'];

describe('listing (v1/v2 folding, truncation, markers)', () => {
  it.each<[string, string[], Record<string, string>, Expected]>([
    [
      'no delimiter: every key in byte order',
      ceph,
      {},
      { keys: ['asdf', 'foo/bar', 'foo/bar/xyzzy', 'quux/thud'], prefixes: [], truncated: false },
    ],
    [
      'delimiter / (ceph test_bucket_list_delimiter_basic)',
      ceph,
      { delimiter: '/' },
      { keys: ['asdf'], prefixes: ['foo/', 'quux/'], truncated: false },
    ],
    [
      'prefix + delimiter',
      ceph,
      { prefix: 'foo/', delimiter: '/' },
      { keys: ['foo/bar'], prefixes: ['foo/bar/'], truncated: false },
    ],
    [
      'multi-char delimiter',
      ['a--b', 'a--c', 'b'],
      { delimiter: '--' },
      { keys: ['b'], prefixes: ['a--'], truncated: false },
    ],
    [
      'non-slash delimiter',
      ['bar', 'baz', 'cab', 'foo'],
      { delimiter: 'a' },
      { keys: ['foo'], prefixes: ['ba', 'ca'], truncated: false },
    ],
    ['empty delimiter is no delimiter', ['a/b'], { delimiter: '' }, { keys: ['a/b'], prefixes: [], truncated: false }],
    ['prefix matching nothing', ceph, { prefix: 'zzz' }, { keys: [], prefixes: [], truncated: false }],
    [
      'max-keys counts keys',
      ceph,
      { 'max-keys': '2' },
      { keys: ['asdf', 'foo/bar'], prefixes: [], truncated: true, last: 'foo/bar' },
    ],
    [
      'max-keys counts CommonPrefixes too',
      many,
      { delimiter: '/', 'max-keys': '2' },
      { keys: ['asdf'], prefixes: ['boo/'], truncated: true, last: 'boo/' },
    ],
    [
      'exactly max-keys entries: not truncated',
      many,
      { delimiter: '/', 'max-keys': '3' },
      { keys: ['asdf'], prefixes: ['boo/', 'cquux/'], truncated: false },
    ],
    [
      'max-keys=0: nothing, not truncated (ceph)',
      ceph,
      { 'max-keys': '0' },
      { keys: [], prefixes: [], truncated: false },
    ],
    [
      'marker: strictly after',
      ceph,
      { marker: 'foo/bar' },
      { keys: ['foo/bar/xyzzy', 'quux/thud'], prefixes: [], truncated: false },
    ],
    [
      'marker = previous NextMarker (a CommonPrefix) does not repeat it',
      many,
      { delimiter: '/', marker: 'boo/' },
      { keys: [], prefixes: ['cquux/'], truncated: false },
    ],
    [
      'marker before a CommonPrefix',
      many,
      { delimiter: '/', marker: 'boo' },
      { keys: [], prefixes: ['boo/', 'cquux/'], truncated: false },
    ],
    [
      'byte order, not UTF-16 order',
      ['\u{1F600}', '\uFFFD', 'a'],
      {},
      { keys: ['a', '\uFFFD', '\u{1F600}'], prefixes: [], truncated: false },
    ],
  ])('%s', (_label, keys, query, expected) => {
    expect(summary(list(keys, query))).toEqual(expected);
  });

  it('pages of max-keys 1 walk the whole listing via NextMarker (ceph test_bucket_list_delimiter_prefix)', () => {
    const seen: string[] = [];
    let marker: string | undefined;
    for (let page = 0; page < 10; page++) {
      const state = list(many, { delimiter: '/', 'max-keys': '1', ...(marker ? { marker } : {}) });
      seen.push(...state.contents.map((o) => o.key), ...state.commonPrefixes);
      if (!state.isTruncated) break;
      marker = state.last;
    }
    expect(seen).toEqual(['asdf', 'boo/', 'cquux/']);
  });

  it('v2 continuation tokens walk every key once', () => {
    const keys = Array.from({ length: 25 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    const seen: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 10; page++) {
      const state = list(
        keys,
        { 'list-type': '2', 'max-keys': '10', ...(token ? { 'continuation-token': token } : {}) },
        2,
      );
      seen.push(...state.contents.map((o) => o.key));
      if (!state.isTruncated) break;
      token = encodeContinuationToken(state.last!);
    }
    expect(seen).toEqual(keys);
  });

  it('a folder of many keys is skipped in the storage, not read row by row', () => {
    const keys = ['a', ...Array.from({ length: 5000 }, (_, i) => `big/${i}`), 'z'];
    const state = list(keys, { delimiter: '/', 'max-keys': '10' });
    expect(summary(state)).toEqual({ keys: ['a', 'z'], prefixes: ['big/'], truncated: false });
    expect(state.calls).toBeLessThanOrEqual(2);
  });
});

describe('commonPrefixOf', () => {
  it.each<[string, string, string | undefined, string | undefined]>([
    ['foo/bar', '', '/', 'foo/'],
    ['foo/bar', 'foo/', '/', undefined],
    ['foo/bar/baz', 'foo/', '/', 'foo/bar/'],
    ['foo', '', '/', undefined],
    ['foo/bar', '', undefined, undefined],
    ['exports//17', 'exports/', '/', 'exports//'],
  ])('%s (prefix %s, delimiter %s) → %s', (key, prefix, delimiter, expected) => {
    expect(commonPrefixOf(key, prefix, delimiter)).toBe(expected);
  });
});
