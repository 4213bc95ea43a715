import { describe, expect, it } from '@jest/globals';
import { decodeMetadataValue, encodeMetadataValue, headersAsText, headerText, wireHeaderValue } from './header-text.js';

/** What Node hands over for these wire bytes: each byte as one Latin-1 character. */
const asNodeReadsIt = (bytes: Buffer) => bytes.toString('latin1');

describe('headerText: the bytes the client sent', () => {
  it.each([
    ['ASCII', Buffer.from('plain value'), 'plain value'],
    ['UTF-8 (curl, Go, aws CLI v2)', Buffer.from('été 😀', 'utf8'), 'été 😀'],
    ['Latin-1 (Python http.client encodes str values so)', Buffer.from('été', 'latin1'), 'été'],
    ['bytes that are neither: kept byte for byte', Buffer.from([0xc3, 0x28]), '\u00c3('],
  ])('%s', (_what, bytes, text) => {
    expect(headerText(asNodeReadsIt(bytes))).toBe(text);
  });

  it('leaves text that is already beyond Latin-1 alone (never decodes twice)', () => {
    expect(headerText('😀 Ã©')).toBe('😀 Ã©');
  });

  it('maps every header, repeated ones too', () => {
    const utf8 = asNodeReadsIt(Buffer.from('ü', 'utf8'));
    expect(headersAsText({ a: utf8, b: [utf8, 'x'], c: undefined })).toEqual({ a: 'ü', b: ['ü', 'x'], c: undefined });
  });
});

describe('metadata values and RFC 2047', () => {
  it.each([
    ['ascii', 'ascii'],
    ['été 😀', '=?UTF-8?B?w6l0w6kg8J+YgA==?='],
  ])('%j ↔ %j', (text, wire) => {
    expect(encodeMetadataValue(text)).toBe(wire);
    expect(decodeMetadataValue(wire)).toBe(text);
  });

  it.each([
    ['=?utf-8?b?w6l0w6k=?=', 'été'],
    ['=?UTF-8?Q?caf=C3=A9_au_lait?=', 'café au lait'],
    ['=?ISO-8859-1?Q?caf=E9?=', '=?ISO-8859-1?Q?caf=E9?='], // only UTF-8 words are decoded
    ['not =?UTF-8?B?w6k=?= alone', 'not =?UTF-8?B?w6k=?= alone'],
  ])('decodes %j as %j', (wire, text) => {
    expect(decodeMetadataValue(wire)).toBe(text);
  });
});

describe('wireHeaderValue: text back to the bytes a client sent', () => {
  it.each(['plain', 'attachment; filename="été 😀.json"', 'é'])('%j round-trips through headerText', (text) => {
    expect(headerText(wireHeaderValue(text))).toBe(text);
    expect([...wireHeaderValue(text)].every((c) => c.charCodeAt(0) <= 0xff)).toBe(true);
  });
});
