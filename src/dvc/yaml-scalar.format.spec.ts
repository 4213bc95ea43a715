import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { formatYamlString, resolvesToNonString } from './yaml-scalar.format.js';

describe('formatYamlString', () => {
  // Right column: what DVC's own dumper (dvc.utils.serialize.dumps_yaml, ruamel.yaml 0.19) printed for
  // `{"path": value}` — so a .dvc we write is byte-identical to the one `dvc add` writes.
  it.each([
    ['annotations', 'annotations'],
    ['annotations.json', 'annotations.json'],
    ['true', "'true'"],
    ['True', "'True'"],
    ['yes', 'yes'],
    ['no', 'no'],
    ['on', 'on'],
    ['null', "'null'"],
    ['Null', "'Null'"],
    ['~', "'~'"],
    ['', "''"],
    ['=', "'='"],
    ['<<', "'<<'"],
    ['0123', "'0123'"],
    ['1e5', "'1e5'"],
    ['0b101', "'0b101'"],
    ['0o17', "'0o17'"],
    ['0x1F', "'0x1F'"],
    ['1_000', "'1_000'"],
    ['1.5', "'1.5'"],
    ['.5', "'.5'"],
    ['.inf', "'.inf'"],
    ['.nan', "'.nan'"],
    ['-.inf', "'-.inf'"],
    ['2001-12-14', "'2001-12-14'"],
    ['2001-12-14t21:59:43.10-05:00', "'2001-12-14t21:59:43.10-05:00'"],
    ['- a', "'- a'"],
    ['-a', '-a'],
    ['a - b', 'a - b'],
    ['? x', "'? x'"],
    ['?x', '?x'],
    [':x', ':x'],
    ['x:', "'x:'"],
    ['x: y', "'x: y'"],
    ['a:b', 'a:b'],
    ['a #b', "'a #b'"],
    ['a#b', 'a#b'],
    ['#a', "'#a'"],
    ['&a', "'&a'"],
    ['*a', "'*a'"],
    ['!a', "'!a'"],
    ['|a', "'|a'"],
    ['>a', "'>a'"],
    ['%a', "'%a'"],
    ['@a', "'@a'"],
    ['`a', "'`a'"],
    ["'a", '"\'a"'],
    ['"a', "'\"a'"],
    ["it's", "it's"],
    [' lead', "' lead'"],
    ['trail ', "'trail '"],
    ['tab\there', '"tab\\there"'],
    ['new\nline', '"new\\nline"'],
    ['ctl\u0001', '"ctl\\x01"'],
    ['del\u007f', '"del\\x7F"'],
    ['nbsp\u00a0x', 'nbsp\u00a0x'],
    ['bom\ufeffx', '"bom\\uFEFFx"'],
    ['donn\u00e9es', 'donn\u00e9es'],
    ['\u65e5\u672c\u8a9e', '\u65e5\u672c\u8a9e'],
    ['\ud83d\ude00.json', '\ud83d\ude00.json'],
    ['[a]', "'[a]'"],
    ['a[0]', 'a[0]'],
    ['{a}', "'{a}'"],
    ['a,b', 'a,b'],
    ['---x', "'---x'"],
    ['...x', "'...x'"],
    ['a...', 'a...'],
    ['back\\slash', 'back\\slash'],
    ['quote"in', 'quote"in'],
    ['0', "'0'"],
    ['12', "'12'"],
    ['0123456789abcdef0123456789abcdef.dir', '0123456789abcdef0123456789abcdef.dir'],
    ['1234567890123456789012345678901e', '1234567890123456789012345678901e'],
    ['12345678901234567890123456789012', "'12345678901234567890123456789012'"],
    ['0e123456789012345678901234567890', "'0e123456789012345678901234567890'"],
    ['0b010101010101010101010101010101', "'0b010101010101010101010101010101'"],
    ['e12345678901234567890123456789012', 'e12345678901234567890123456789012'],
    ['+1', "'+1'"],
    ['-1', "'-1'"],
    ['+', '+'],
    ['-', "'-'"],
    ['a b c', 'a b c'],
    ['/abs/path', '/abs/path'],
    ['C:\\x', 'C:\\x'],
    ['x\u0000y', '"x\\0y"'],
    ['\u0007\u001b\u000b', '"\\a\\e\\v"'],
  ])('%j → %s (as ruamel/DVC writes it)', (value, expected) => {
    expect(formatYamlString(value)).toBe(expected);
  });

  it.each(['nel\u0085x', 'ls\u2028x', 'ps\u2029x'])(
    'double-quotes %j (ruamel folds it into a single-quoted line break)',
    (value) => {
      expect(formatYamlString(value)).toMatch(/^"[a-z]+\\[NLP]x"$/);
    },
  );

  it('writes astral characters outside the printable range as \\U escapes', () => {
    expect(formatYamlString('\u{E0001}\u0000')).toBe('"\u{E0001}\\0"');
    expect(formatYamlString('\uD800')).toBe('"\\uD800"');
  });

  // Every form must load back as the same string under a YAML 1.2 core loader too (the ruamel check is in test/dvc).
  it.each([
    ...[
      'true',
      '0123',
      '1e5',
      'x: y',
      "it's",
      "'a",
      'tab\there',
      'new\nline',
      'ctl\u0001',
      'a #b',
      '',
      '- a',
      '\u{1F600} é',
    ],
  ])('%j reads back as itself', (value) =>
    expect(parse(`path: ${formatYamlString(value)}\n`)).toEqual({ path: value }),
  );
});

describe('resolvesToNonString (ruamel YAML 1.2 implicit resolvers)', () => {
  it.each([
    ['12345678901234567890123456789012', true], // an all-digit md5 is an int
    ['1234567890123456789012345678901e', false],
    ['123456789012345678901234567890e1', true], // float
    ['0b01010101010101010101010101010101', true],
    ['0bad0000000000000000000000000000', false],
    ['acbd18db4cc2f85cedef654fccc4a4d8', false],
    ['yes', false], // YAML 1.1 only
    ['NULL', true],
    ['2001-12-14', true],
    ['2001-12-14 21:59:43', true],
  ])('%j → %s', (value, expected) => expect(resolvesToNonString(value)).toBe(expected));
});
