import { describe, expect, it } from '@jest/globals';
import { generateCredentials, parseCredentialsFile, serializeCredentials } from './credentials.file.js';

describe('generateCredentials', () => {
  it('makes AWS-shaped, unpredictable credentials', () => {
    const all = Array.from({ length: 50 }, generateCredentials);
    for (const { accessKeyId, secretAccessKey } of all) {
      expect(accessKeyId).toMatch(/^[A-Z0-9]{20}$/);
      expect(secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    }
    expect(new Set(all.map((c) => c.accessKeyId)).size).toBe(50);
    expect(new Set(all.map((c) => c.secretAccessKey)).size).toBe(50);
  });
});

describe('parseCredentialsFile', () => {
  const path = '/data/credentials.json';
  const good = { accessKeyId: 'AKIAEXAMPLE123456789', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

  it('reads what serializeCredentials wrote', () => {
    expect(parseCredentialsFile(serializeCredentials(good, new Date(0)), path)).toEqual(good);
  });

  it.each<[string, string, RegExp]>([
    ['not JSON', '{', /not valid JSON/],
    ['null', 'null', /accessKeyId/],
    ['missing key id', JSON.stringify({ secretAccessKey: good.secretAccessKey }), /accessKeyId/],
    ['key id with spaces', JSON.stringify({ ...good, accessKeyId: 'A B C' }), /accessKeyId/],
    ['short secret', JSON.stringify({ ...good, secretAccessKey: 'short' }), /secretAccessKey/],
  ])('%s: refuses to start, naming the file and the way out', (_label, text, reason) => {
    expect(() => parseCredentialsFile(text, path)).toThrow(reason);
    expect(() => parseCredentialsFile(text, path)).toThrow(
      /\/data\/credentials\.json.*delete it to generate new credentials/,
    );
  });
});
