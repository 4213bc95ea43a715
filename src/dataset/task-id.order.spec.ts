import { describe, expect, it } from '@jest/globals';
import type { TaskId } from './dataset.types.js';
import { compareTaskIds, isTaskId, taskItemId } from './task-id.order.js';

describe('compareTaskIds', () => {
  it.each<[TaskId[], TaskId[]]>([
    [
      [10, 9, 100, 1],
      [1, 9, 10, 100],
    ],
    [
      ['b', 2, 'a', 1],
      [1, 2, 'a', 'b'],
    ],
    [
      ['10', '9'],
      ['10', '9'],
    ],
    [
      [-1, 0, 2.5, 2],
      [-1, 0, 2, 2.5],
    ],
    [
      ['\uFFFD', '😀', 'é'],
      ['é', '\uFFFD', '😀'],
    ],
  ])('%j sorts as %j', (ids, sorted) => {
    expect([...ids].sort(compareTaskIds)).toEqual(sorted);
  });
});

describe('isTaskId / taskItemId', () => {
  it.each([
    [5, true],
    ['task-5', true],
    ['', false],
    [null, false],
    [true, false],
    [{}, false],
    [[5], false],
  ])('isTaskId(%j) → %s', (value, valid) => {
    expect(isTaskId(value)).toBe(valid);
  });

  it('keeps numeric and string ids apart', () => {
    expect(taskItemId(5)).not.toBe(taskItemId('5'));
  });
});
