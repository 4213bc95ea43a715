import { compareCodePoints } from '../dvc/code-point.order.js';

export interface ThreeWayResult<T> {
  merged: Map<string, T>;
  /** Items both sides changed differently (ours was kept), in code-point order. */
  conflicts: string[];
}

/**
 * Item-by-item 3-way merge (absent = deleted or never there):
 * - only one side changed an item (an edit, an add or a delete) → that side's version;
 * - both changed it the same way → that version;
 * - both changed it differently → ours, reported as a conflict. Our side is what Label Studio holds now,
 *   which is what the next sync would write anyway; the teammate's version stays in git history.
 */
export function mergeThreeWay<T>(
  base: ReadonlyMap<string, T>,
  ours: ReadonlyMap<string, T>,
  theirs: ReadonlyMap<string, T>,
  equal: (a: T, b: T) => boolean,
): ThreeWayResult<T> {
  const same = (a: T | undefined, b: T | undefined) => (a === undefined || b === undefined ? a === b : equal(a, b));
  const merged = new Map<string, T>();
  const conflicts: string[] = [];
  for (const id of new Set([...base.keys(), ...ours.keys(), ...theirs.keys()])) {
    const [b, o, t] = [base.get(id), ours.get(id), theirs.get(id)];
    let result: T | undefined;
    if (same(o, b)) result = t;
    else if (same(t, b)) result = o;
    else {
      result = o;
      if (!same(o, t)) conflicts.push(id);
    }
    if (result !== undefined) merged.set(id, result);
  }
  return { merged, conflicts: conflicts.sort(compareCodePoints) };
}
