/**
 * Compares strings by Unicode code point, i.e. the order of their UTF-8 bytes and of Python's `str` `<`.
 * JS `<` compares UTF-16 code units, which puts an astral character (surrogates D800–DFFF) before
 * U+E000–U+FFFF; Python, and therefore DVC's `.dir` sort, puts it after.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const shorter = Math.min(a.length, b.length);
  let i = 0;
  while (i < shorter && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  // One is a prefix of the other: the shorter sorts first.
  if (i === shorter) return a.length < b.length ? -1 : 1;
  const x = a.charCodeAt(i);
  const y = b.charCodeAt(i);
  // Only where the first difference is a surrogate (the start of a character above U+FFFF) against a BMP unit
  // does UTF-16 order differ from code point order: the astral character is the greater. Two surrogates compare
  // like their code points (the units before them are equal), and so do two BMP units.
  const astralX = x >= 0xd800 && x <= 0xdfff;
  const astralY = y >= 0xd800 && y <= 0xdfff;
  if (astralX !== astralY) return astralX ? 1 : -1;
  return x < y ? -1 : 1;
}
