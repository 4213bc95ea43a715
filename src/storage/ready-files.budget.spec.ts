import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ReadyFilesBudget, readyFilesFor, softOpenFiles } from './ready-files.budget.js';

describe('readyFilesFor: the temp files made ahead that a process may hold, from its limit of open files', () => {
  it.each<[number | undefined, number, string]>([
    [undefined, 128, 'unknown: the small default'],
    [256, 128, 'a small limit: never below the default'],
    [1_024, 128, 'the common soft limit: 8 buckets under load'],
    [4_096, 512, 'an eighth of the limit'],
    [20_000, 2_500, 'an eighth of a larger limit'],
    [40_000, 4_096, 'never above 4,096 (256 buckets under load)'],
    [1_048_576, 4_096, "Docker's usual limit"],
  ])('%s open files → %d (%s)', (openFiles, expected) => {
    expect(readyFilesFor(openFiles)).toBe(expected);
  });
});

describe('softOpenFiles: the soft limit in /proc/<pid>/limits', () => {
  const limits = (openFiles: string) =>
    [
      'Limit                     Soft Limit           Hard Limit           Units     ',
      'Max processes             95648                95648                processes ',
      `Max open files            ${openFiles}     files     `,
      'Max locked memory         8388608              8388608              bytes     ',
    ].join('\n');

  it.each<[string, number | undefined]>([
    ['1024                 524288              ', 1_024],
    ['1048576              1048576             ', 1_048_576],
    ['unlimited            unlimited           ', undefined],
  ])('"Max open files %s" → %s', (line, expected) => {
    expect(softOpenFiles(limits(line))).toBe(expected);
  });

  it('finds no limit in a file without the line', () => {
    expect(softOpenFiles('Limit  Soft Limit  Hard Limit  Units\n')).toBeUndefined();
  });

  it("reads this process's own limit (Linux)", () => {
    const own = softOpenFiles(readFileSync('/proc/self/limits', 'utf8'));
    expect(own).toBeGreaterThan(0);
    expect(new ReadyFilesBudget().limit).toBe(readyFilesFor(own));
  });
});

describe('ReadyFilesBudget', () => {
  it('gives what is wanted while enough is left, what is left while at least the minimum is, else nothing', () => {
    const budget = new ReadyFilesBudget(20);
    expect(budget.reserve(8, 4)).toBe(8);
    expect(budget.reserve(8, 4)).toBe(8);
    expect(budget.reserve(8, 4)).toBe(4); // 4 left: enough for a batch
    expect(budget.reserve(8, 4)).toBe(0);
    budget.release(3);
    expect(budget.reserve(8, 4)).toBe(0); // 3 left: below the minimum
    budget.release(1);
    expect(budget.reserve(8, 4)).toBe(4);
  });
});
