import { keyToRelativePath } from '../../src/storage/key-path.js';

/**
 * The key stored at a relpath made by `keyToRelativePath`; `null` when no key maps to it. The specs' oracle for the
 * mapping being one to one (no two keys share a file): written from the rules of storage/key-path.ts, not with its
 * code: `%25` `%2E` `%5C` unescaped, `%` alone the empty segment, and an over-long segment's pieces
 * (`%L…`, `%+…`, `%-…`) joined again.
 */
export function relativePathToKey(relpath: string): string | null {
  const segments: string[] = [];
  let long: string | null = null;
  for (const name of relpath.split('/')) {
    if (long !== null && name.startsWith('%+')) long += name.slice(2);
    else if (long !== null && name.startsWith('%-')) {
      segments.push(long + name.slice(2));
      long = null;
    } else if (long !== null) return null;
    else if (name.startsWith('%L')) long = name.slice(2);
    else segments.push(name);
  }
  if (long !== null) return null;
  const unescaped: Record<string, string> = { '%25': '%', '%2E': '.', '%5C': '\\' };
  const key = segments
    .map((name) => (name === '%' ? '' : name.replace(/%(25|2E|5C)/g, (escape) => unescaped[escape])))
    .join('/');
  try {
    return keyToRelativePath(key) === relpath ? key : null;
  } catch {
    return null;
  }
}
