/**
 * How a string value is written in a `.dvc` file so that DVC's loader (ruamel.yaml, YAML 1.2 resolver)
 * reads it back as the same string. Mirrors ruamel's emitter (`Emitter.analyze_scalar` and
 * `choose_scalar_style`), which is what `dvc add` uses, so our files match DVC's byte for byte:
 * plain when that is unambiguous, else single quotes, else double quotes with escapes.
 */
export function formatYamlString(value: string): string {
  if (value !== '' && !resolvesToNonString(value) && allowsBlockPlain(value)) return value;
  // ruamel prefers double quotes for a value containing a quote or a line break (fewer escapes).
  if (!value.includes("'") && !BREAK.test(value) && allowsSingleQuoted(value)) return `'${value}'`;
  return doubleQuoted(value);
}

/**
 * ruamel.yaml resolver.py `implicit_resolvers` for version (1, 2): a plain scalar matching one of these
 * loads as bool, float, int, merge key, null, timestamp or `=`, not as a string. (A 32-hex md5 made only of
 * digits, or digits with one `e`, or `0b` + binary digits, is a number: DVC quotes it.)
 */
const IMPLICIT_TYPES: RegExp[] = [
  /^(?:true|True|TRUE|false|False|FALSE)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$/,
  /^(?:<<)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
  /^(?:=)$/,
];

export function resolvesToNonString(value: string): boolean {
  return IMPLICIT_TYPES.some((re) => re.test(value));
}

const BREAK = /[\n\x85\u2028\u2029]/;
const WHITESPACE = '\0 \t\r\n\x85\u2028\u2029';

/** YAML printable, as ruamel with allow_unicode sees it (BOM excluded). */
function isPrintable(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  if (c === 0x0a || (c >= 0x20 && c <= 0x7e)) return true;
  if (c === 0xfeff) return false;
  return c === 0x85 || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/** `analyze_scalar(...).allow_block_plain` for YAML 1.2. */
function allowsBlockPlain(value: string): boolean {
  if (value.startsWith('---') || value.startsWith('...')) return false;
  if (value.startsWith(' ') || value.endsWith(' ') || BREAK.test(value[0]) || BREAK.test(value[value.length - 1]))
    return false;
  const chars = Array.from(value);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    const followedBySpace = i + 1 >= chars.length || WHITESPACE.includes(chars[i + 1]);
    const precededBySpace = i === 0 || WHITESPACE.includes(chars[i - 1]);
    if (!isPrintable(ch) || BREAK.test(ch)) return false;
    if (i === 0 && '#,[]{}&*!|>\'"%@`'.includes(ch)) return false;
    if (i === 0 && '?:-'.includes(ch) && followedBySpace) return false;
    if (i > 0 && ch === ':' && followedBySpace) return false;
    if (i > 0 && ch === '#' && precededBySpace) return false;
  }
  return true;
}

/** `analyze_scalar(...).allow_single_quoted`: no special characters, no space next to a line break. */
function allowsSingleQuoted(value: string): boolean {
  return Array.from(value).every((ch) => isPrintable(ch));
}

/** ruamel `Emitter.ESCAPE_REPLACEMENTS` and `write_double_quoted` (`\xXX`, `\uXXXX`, `\UXXXXXXXX`, uppercase). */
const ESCAPES: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\b': 'b',
  '\t': 't',
  '\n': 'n',
  '\v': 'v',
  '\f': 'f',
  '\r': 'r',
  '\x1b': 'e',
  '"': '"',
  '\\': '\\',
  '\x85': 'N',
  '\u2028': 'L',
  '\u2029': 'P',
};

function doubleQuoted(value: string): string {
  let out = '"';
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (ESCAPES[ch] !== undefined) out += '\\' + ESCAPES[ch];
    else if (ch !== '\n' && isPrintable(ch)) out += ch;
    else if (c <= 0xff) out += '\\x' + hex(c, 2);
    else if (c <= 0xffff) out += '\\u' + hex(c, 4);
    else out += '\\U' + hex(c, 8);
  }
  return out + '"';
}

const hex = (c: number, width: number) => c.toString(16).toUpperCase().padStart(width, '0');
