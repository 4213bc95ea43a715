import { describe, expect, it } from '@jest/globals';
import { pythonJsonString } from './python-json.encoder.js';

// Expected values printed by CPython 3.11 `json.dumps(s)`.
describe('pythonJsonString = json.dumps(str) with ensure_ascii', () => {
  it.each([
    ['plain', '"plain"'],
    ['sub/img2.json', '"sub/img2.json"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['\n\r\t\b\f', '"\\n\\r\\t\\b\\f"'],
    ['\u0000\u0001\u001f', '"\\u0000\\u0001\\u001f"'],
    ['\u007f', '"\\u007f"'],
    ['~ ', '"~ "'],
    ['é', '"\\u00e9"'],
    ['\u00ff\u0100', '"\\u00ff\\u0100"'],
    ['日本', '"\\u65e5\\u672c"'],
    ['\uFFFD', '"\\ufffd"'],
    ['\u{1F600}', '"\\ud83d\\ude00"'],
    ["it's/</script>", '"it\'s/</script>"'],
  ])('%j → %s', (input, expected) => expect(pythonJsonString(input)).toBe(expected));

  it('differs from JSON.stringify, which keeps non-ASCII characters raw', () => {
    expect(JSON.stringify('é')).toBe('"é"');
    expect(pythonJsonString('é')).not.toBe(JSON.stringify('é'));
  });
});
