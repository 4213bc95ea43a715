/**
 * A JSON string literal exactly as Python's `json.dumps(s)` writes it with the default `ensure_ascii=True`
 * (CPython Lib/json/encoder.py `py_encode_basestring_ascii`): `"` and `\` escaped, the short escapes
 * `\n \r \t \b \f`, and every other code unit outside 0x20–0x7E (DEL included) as `\u` + 4 lowercase hex
 * digits. Walking UTF-16 code units gives astral characters as surrogate pairs, as Python does.
 * `JSON.stringify` keeps non-ASCII characters raw and so produces other bytes, and another `.dir` id.
 */
export function pythonJsonString(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return `"${value}"`; // printable ASCII without " or \ (every md5, most paths)
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    const short = SHORT_ESCAPES[unit];
    if (short !== undefined) out += short;
    else if (unit >= 0x20 && unit <= 0x7e) out += value[i];
    else out += '\\u' + unit.toString(16).padStart(4, '0');
  }
  return out + '"';
}

const NEEDS_ESCAPE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

const SHORT_ESCAPES: Record<number, string> = {
  0x22: '\\"',
  0x5c: '\\\\',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x08: '\\b',
  0x0c: '\\f',
};
