import type { ListQuery } from './storage.backend.js';

/** A contiguous run of keys in byte order: `from` (inclusive or not) up to `to` (exclusive, or the end). */
export interface KeyRange {
  from: Buffer;
  fromInclusive: boolean;
  to?: Buffer;
}

/**
 * The smallest byte string greater than every string starting with `prefix`, or undefined when there is none
 * (empty prefix, or only 0xFF bytes — which valid UTF-8 never contains).
 */
export function prefixUpperBound(prefix: Buffer): Buffer | undefined {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end--;
  if (end === 0) return undefined;
  const bound = Buffer.from(prefix.subarray(0, end));
  bound[end - 1]++;
  return bound;
}

function minBuffer(a: Buffer | undefined, b: Buffer | undefined): Buffer | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Buffer.compare(a, b) <= 0 ? a : b;
}

/**
 * The key ranges (at most two, in order) that answer a list query, so that the index reads only the rows
 * it returns: O(log n + page) even when `skipPrefix` hides millions of keys (one CommonPrefix).
 */
export function listRanges(query: Omit<ListQuery, 'limit'>): KeyRange[] {
  const prefix = Buffer.from(query.prefix, 'utf8');
  let from = prefix;
  let fromInclusive = true;
  if (query.after !== undefined) {
    const after = Buffer.from(query.after, 'utf8');
    if (Buffer.compare(after, from) >= 0) {
      from = after;
      fromInclusive = false;
    }
  }
  const to = prefixUpperBound(prefix);
  const ranges: KeyRange[] = [];
  const skip = query.skipPrefix ? Buffer.from(query.skipPrefix, 'utf8') : undefined;
  if (skip === undefined) {
    ranges.push({ from, fromInclusive, to });
  } else {
    // What lies before the skipped run, then the rest after it.
    if (Buffer.compare(from, skip) < 0) ranges.push({ from, fromInclusive, to: minBuffer(to, skip) });
    const skipEnd = prefixUpperBound(skip);
    if (skipEnd !== undefined) {
      ranges.push(
        Buffer.compare(skipEnd, from) > 0 ? { from: skipEnd, fromInclusive: true, to } : { from, fromInclusive, to },
      );
    }
  }
  return ranges.filter((r) => r.to === undefined || Buffer.compare(r.from, r.to) < 0);
}
