import { describe, expect, it } from '@jest/globals';
import { isDiskFull } from './disk-full.js';

const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('isDiskFull', () => {
  it.each<[string, unknown, boolean]>([
    ['ENOSPC from write(2)', withCode('ENOSPC'), true],
    ['EDQUOT (a quota)', withCode('EDQUOT'), true],
    ['SQLITE_FULL from better-sqlite3', withCode('SQLITE_FULL', 'database or disk is full'), true],
    ['wrapped as the cause of a remote error', new Error('upload failed', { cause: withCode('ENOSPC') }), true],
    ['two levels deep', new Error('a', { cause: new Error('b', { cause: withCode('EDQUOT') }) }), true],
    ['another errno', withCode('EACCES'), false],
    ['another SQLite error', withCode('SQLITE_CORRUPT'), false],
    ['a message that only mentions it', new Error('ENOSPC'), false],
    ['a string', 'ENOSPC', false],
    ['undefined', undefined, false],
    ['null', null, false],
  ])('%s → %s', (_label, error, expected) => {
    expect(isDiskFull(error)).toBe(expected);
  });

  it('a cause cycle ends', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    a.cause = a;
    expect(isDiskFull(a)).toBe(false);
  });
});
