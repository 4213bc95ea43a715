import type { DatasetDiff } from './manifest.changes.js';

/** Keys listed in a commit message body before the rest is summed up as "… and N more". */
export const MAX_LISTED_KEYS = 50;

/**
 * The commit message of a sync, e.g.
 * ```
 * Update data/annotations.json: 3 added, 1 updated, 2 deleted
 *
 * A exports/17
 * M exports/18
 * D exports/5
 * … and 150 more
 * ```
 * Summary counts leave out zeros; the body lists keys like `git diff --name-status` (A/M/D, each group
 * in the order given), the first `maxListed` only. It is built from the dataset path and object keys alone,
 * so it can hold no credential (invariant 6). Keys are client input: control characters are escaped so a
 * key cannot forge extra lines (a fake "Signed-off-by:" trailer, say) or garble a terminal.
 */
export function buildCommitMessage(datasetPath: string, diff: DatasetDiff, maxListed = MAX_LISTED_KEYS): string {
  const counts = [
    [diff.added.length, 'added'],
    [diff.updated.length, 'updated'],
    [diff.deleted.length, 'deleted'],
  ] as const;
  const parts = counts.filter(([n]) => n > 0).map(([n, word]) => `${n} ${word}`);
  const summary = `Update ${printable(datasetPath)}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`;
  const lines = [
    ...diff.added.map((key) => `A ${printable(key)}`),
    ...diff.updated.map((key) => `M ${printable(key)}`),
    ...diff.deleted.map((key) => `D ${printable(key)}`),
  ];
  if (lines.length === 0) return `${summary}\n`;
  const listed = lines.slice(0, Math.max(0, maxListed));
  const more = lines.length - listed.length;
  return [summary, '', ...listed, ...(more > 0 ? [`… and ${more} more`] : [])].join('\n') + '\n';
}

const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: they get escaped
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * C0/C1 controls, DEL, the Unicode line/paragraph separators and lone surrogates (not encodable in UTF-8)
 * as `\n`, `\t` or `\uXXXX`. Backslashes stay as they are: the message is for people, and a key with a
 * literal `\n` in it is rarer than one with Windows-style separators.
 */
function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
