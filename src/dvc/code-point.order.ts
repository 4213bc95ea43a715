/**
 * Compares strings by Unicode code point, i.e. the order of their UTF-8 bytes and of Python's `str` `<`.
 * JS `<` compares UTF-16 code units, which puts an astral character (surrogates D800–DFFF) before
 * U+E000–U+FFFF; Python, and therefore DVC's `.dir` sort, puts it after.
 */
export function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  // One is a prefix of the other: the shorter sorts first.
  const restA = a.length - i;
  const restB = b.length - j;
  return restA === restB ? 0 : restA < restB ? -1 : 1;
}
