import type { JsonValue } from './dataset.types.js';

/**
 * Same JSON value, whatever the key order: a task we built and the same task read back from a teammate's
 * file (or written by another tool) are equal when their content is. Inputs come from `parseJsonBytes`, so
 * their depth is bounded and the recursion is safe.
 */
export function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
}
