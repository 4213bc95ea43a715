import { describe, expect, it } from '@jest/globals';
import type { JsonObject } from './dataset.types.js';
import { exportAnnotation } from './annotation.export.js';

describe('exportAnnotation', () => {
  it.each<[string, JsonObject, JsonObject]>([
    [
      'user object → user id, body-only fields dropped, result_count from distinct result ids',
      {
        id: 7,
        result: [
          { id: 'a', value: {} },
          { id: 'b', value: {} },
          { id: 'a', value: {} },
        ],
        created_username: ' admin@example.com, 1',
        created_ago: '0\u00a0minutes',
        completed_by: { id: 1, first_name: '', last_name: '', email: 'admin@example.com' },
        task: 5,
      },
      {
        id: 7,
        result: [
          { id: 'a', value: {} },
          { id: 'b', value: {} },
          { id: 'a', value: {} },
        ],
        completed_by: 1,
        task: 5,
        result_count: 2,
      },
    ],
    [
      'an empty result counts 0',
      { id: 1, result: [], completed_by: 3 },
      { id: 1, result: [], completed_by: 3, result_count: 0 },
    ],
    [
      'a result_count already there is kept',
      { id: 1, result: [], result_count: 4 },
      { id: 1, result: [], result_count: 4 },
    ],
    ['no result list: nothing invented', { id: 1, completed_by: null }, { id: 1, completed_by: null }],
  ])('%s', (_name, body, expected) => {
    const exported = exportAnnotation(body);
    expect(exported).toEqual(expected);
    expect(Object.keys(exported)).toEqual(Object.keys(expected));
  });
});
