import { describe, expect, it } from '@jest/globals';
import { buildKeyRing } from './s3-key.ring.js';

const GLOBAL = { accessKeyId: 'AKGLOBAL', secretAccessKey: 'global-secret' };
const SENTIMENT = { accessKeyId: 'AKSENTIMENT', secretAccessKey: 'sentiment-secret' };
const NER = { accessKeyId: 'AKNER', secretAccessKey: 'ner-secret' };

describe('buildKeyRing', () => {
  const ring = buildKeyRing(GLOBAL, [
    { bucket: 'sentiment', keys: SENTIMENT },
    { bucket: 'ner', keys: NER },
    { bucket: 'shared-a' },
    { bucket: 'shared-b' },
  ]);

  it.each([
    ['AKGLOBAL', 'global-secret', ['shared-a', 'shared-b']],
    ['AKSENTIMENT', 'sentiment-secret', ['sentiment']],
    ['AKNER', 'ner-secret', ['ner']],
    ['AKUNKNOWN', undefined, []],
  ])('%s signs with its own secret and may use %j', (id, secret, buckets) => {
    expect(ring.secretOf(id)).toBe(secret);
    expect(ring.bucketsOf(id)).toEqual(buckets);
  });

  it('keeps the global pair known when every project has its own (it may use no bucket)', () => {
    const own = buildKeyRing(GLOBAL, [{ bucket: 'ner', keys: NER }]);
    expect(own.secretOf('AKGLOBAL')).toBe('global-secret');
    expect(own.bucketsOf('AKGLOBAL')).toEqual([]);
  });
});
