import { describe, expect, it } from '@jest/globals';
import { S3Error } from '../errors/s3-error.js';
import { parseDeleteRequest } from './delete-objects.parser.js';

const xmlns = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const objects = (keys: string[]) => keys.map((k) => `<Object><Key>${k}</Key></Object>`).join('');

describe('parseDeleteRequest', () => {
  it.each<[string, string, { quiet: boolean; objects: { key: string; versionId?: string }[] }]>([
    [
      'JS SDK shape',
      `<?xml version="1.0" encoding="UTF-8"?><Delete ${xmlns}>${objects(['a', 'b/c'])}</Delete>`,
      { quiet: false, objects: [{ key: 'a' }, { key: 'b/c' }] },
    ],
    ['quiet', `<Delete><Quiet>true</Quiet>${objects(['a'])}</Delete>`, { quiet: true, objects: [{ key: 'a' }] }],
    [
      'Quiet false',
      `<Delete><Quiet>false</Quiet>${objects(['a'])}</Delete>`,
      { quiet: false, objects: [{ key: 'a' }] },
    ],
    [
      'spaces in keys are kept',
      `<Delete><Object><Key> a b </Key></Object></Delete>`,
      { quiet: false, objects: [{ key: ' a b ' }] },
    ],
    [
      'escaped characters',
      `<Delete><Object><Key>a&amp;b&lt;c</Key></Object></Delete>`,
      { quiet: false, objects: [{ key: 'a&b<c' }] },
    ],
    [
      'version id',
      `<Delete><Object><Key>a</Key><VersionId>null</VersionId></Object></Delete>`,
      { quiet: false, objects: [{ key: 'a', versionId: 'null' }] },
    ],
    [
      'exactly 1000 keys',
      `<Delete>${objects(Array.from({ length: 1000 }, (_, i) => `k${i}`))}</Delete>`,
      { quiet: false, objects: Array.from({ length: 1000 }, (_, i) => ({ key: `k${i}` })) },
    ],
  ])('%s', async (_label, xml, expected) => {
    await expect(parseDeleteRequest(xml)).resolves.toEqual(expected);
  });

  it.each<[string, string]>([
    ['not XML', 'hello'],
    ['truncated', '<Delete><Object><Key>a</Key>'],
    ['wrong root', `<Remove>${objects(['a'])}</Remove>`],
    ['no objects', '<Delete></Delete>'],
    ['1001 keys', `<Delete>${objects(Array.from({ length: 1001 }, (_, i) => `k${i}`))}</Delete>`],
    ['object without key', '<Delete><Object></Object></Delete>'],
    ['empty key', '<Delete><Object><Key></Key></Object></Delete>'],
    ['two keys in one object', '<Delete><Object><Key>a</Key><Key>b</Key></Object></Delete>'],
    ['quiet not boolean', `<Delete><Quiet>yes</Quiet>${objects(['a'])}</Delete>`],
    [
      'external entity',
      `<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&x;</Key></Object></Delete>`,
    ],
  ])('%s → MalformedXML', async (_label, xml) => {
    const result = await parseDeleteRequest(xml).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(result).toBeInstanceOf(S3Error);
    expect((result as S3Error).code).toBe('MalformedXML');
  });
});
