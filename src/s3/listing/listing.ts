import type { ListQuery, ObjectMeta } from '../../storage/storage.backend.js';
import { isListed } from '../../storage/key-order.js';
import type { ListParams } from './list-params.js';

/**
 * A ListObjects answer is assembled from pages of the storage's byte-ordered key list: keys below a
 * delimiter fold into one CommonPrefix, and the rest of that run is skipped in the storage itself
 * (`skipPrefix`), so a "folder" of a million keys costs one page, not a million rows.
 */
export interface ListingState {
  contents: ObjectMeta[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or CommonPrefix returned: NextMarker / NextContinuationToken. */
  last?: string;
  /** The next storage query to run, or undefined when the answer is complete. */
  next?: ListQuery;
}

/** The CommonPrefix a key folds into: prefix + everything up to and including the first delimiter after it. */
export function commonPrefixOf(key: string, prefix: string, delimiter: string | undefined): string | undefined {
  if (delimiter === undefined || !key.startsWith(prefix)) return undefined;
  const at = key.indexOf(delimiter, prefix.length);
  return at < 0 ? undefined : key.slice(0, at + delimiter.length);
}

function pageSize(params: ListParams): number {
  // One more than requested: finding a further entry is how IsTruncated is known.
  return params.maxKeys + 1;
}

export function startListing(params: ListParams): ListingState {
  const state: ListingState = { contents: [], commonPrefixes: [], isTruncated: false };
  // ceph test_bucket_list_maxkeys_zero: max-keys=0 lists nothing and is not truncated.
  if (params.maxKeys === 0) return state;
  // A marker inside a CommonPrefix (NextMarker "boo/" of the previous page) must not yield that prefix again.
  const skipPrefix =
    params.after === undefined ? undefined : commonPrefixOf(params.after, params.prefix, params.delimiter);
  state.next = { prefix: params.prefix, after: params.after, skipPrefix, limit: pageSize(params) };
  return state;
}

/** Folds one storage page (the answer to `state.next`) into the listing. Pure: returns a new state. */
export function advanceListing(state: ListingState, params: ListParams, page: ObjectMeta[]): ListingState {
  const query = state.next;
  if (query === undefined) return state;
  const next: ListingState = {
    ...state,
    contents: [...state.contents],
    commonPrefixes: [...state.commonPrefixes],
    next: undefined,
  };
  let skip = query.skipPrefix;
  for (const object of page) {
    // `skip` grows as the page is read: the rest of a run under a CommonPrefix just folded is not listed again.
    if (!isListed(object.key, { prefix: params.prefix, after: params.after, skipPrefix: skip })) continue;
    const prefix = commonPrefixOf(object.key, params.prefix, params.delimiter);
    if (next.contents.length + next.commonPrefixes.length === params.maxKeys) {
      next.isTruncated = true;
      return next;
    }
    if (prefix === undefined) {
      next.contents.push(object);
      next.last = object.key;
    } else {
      next.commonPrefixes.push(prefix);
      next.last = prefix;
      skip = prefix;
    }
  }
  if (page.length < query.limit) return next; // the storage has nothing more
  const lastKey = page[page.length - 1].key;
  next.next = {
    prefix: params.prefix,
    after: lastKey,
    skipPrefix: skip !== undefined && lastKey.startsWith(skip) ? skip : undefined,
    limit: pageSize(params),
  };
  return next;
}
