import { describe, expect, it } from '@jest/globals';
import { substituteVariables } from './variables.substitution.js';

const variables = { TOKEN: 's3cr3t-token', HOST: 'git.example.com', EMPTY: '', BLANK: '  ' };

describe('substituteVariables: ${NAME} in any string value', () => {
  it.each<[string, unknown, unknown]>([
    ['a whole value', { token: '${TOKEN}' }, { token: 's3cr3t-token' }],
    ['inside a value', { url: 'https://${HOST}/team/a.git' }, { url: 'https://git.example.com/team/a.git' }],
    ['twice in one value', { v: '${HOST}:${HOST}' }, { v: 'git.example.com:git.example.com' }],
    ['in lists and nested mappings', { a: [{ b: '${TOKEN}' }] }, { a: [{ b: 's3cr3t-token' }] }],
    ['$${ is a literal ${', { v: 'pa$${TOKEN}ss' }, { v: 'pa${TOKEN}ss' }],
    ['$NAME without braces is text', { v: '$TOKEN and $$' }, { v: '$TOKEN and $$' }],
    ['keys are never substituted', { '${TOKEN}': 'x' }, { '${TOKEN}': 'x' }],
    ['numbers and booleans stay as they are', { n: 4, b: false }, { n: 4, b: false }],
  ])('%s', (_name, tree, expected) => {
    const result = substituteVariables(tree, variables);
    expect(result.problems).toEqual([]);
    expect(result.value).toEqual(expected);
  });

  it('records which values took something from the environment (they are never shown)', () => {
    const result = substituteVariables({ projects: [{ bucket: 'a', git: { token: '${TOKEN}' } }] }, variables);
    expect([...result.substitutedPaths]).toEqual(['projects[0].git.token']);
  });

  it.each<[string, unknown, { path: (string | number)[]; message: string }[]]>([
    [
      'an unset variable, naming the path and the variable',
      { projects: [{ s3: { secretAccessKey: '${SENTIMENT_SECRET}' } }] },
      [
        {
          path: ['projects', 0, 's3', 'secretAccessKey'],
          message: '${SENTIMENT_SECRET}: the environment variable SENTIMENT_SECRET is not set (or is empty)',
        },
      ],
    ],
    [
      'an empty variable',
      { token: '${EMPTY}' },
      [{ path: ['token'], message: '${EMPTY}: the environment variable EMPTY is not set (or is empty)' }],
    ],
    [
      'a blank variable',
      { token: '${BLANK}' },
      [{ path: ['token'], message: '${BLANK}: the environment variable BLANK is not set (or is empty)' }],
    ],
    [
      'a reference that is not a name',
      { v: '${git token}' },
      [
        {
          path: ['v'],
          message:
            '${git token} is not a variable reference: a name is letters, digits and _ (write $${ for a literal ${)',
        },
      ],
    ],
    [
      'an unclosed ${',
      { v: 'abc${TOKEN' },
      [{ path: ['v'], message: 'has a ${ that is never closed by } (write $${ for a literal ${)' }],
    ],
    [
      'a field with no value',
      { git: { url: null } },
      [{ path: ['git', 'url'], message: 'has no value: give one, or remove the line' }],
    ],
  ])('refuses %s', (_name, tree, problems) => {
    expect(substituteVariables(tree, variables).problems).toEqual(problems);
  });

  it('never puts a value of the environment into a problem', () => {
    const result = substituteVariables({ a: '${TOKEN}${MISSING}', b: '${HOST' }, variables);
    expect(result.problems).toHaveLength(2);
    expect(JSON.stringify(result.problems)).not.toContain('s3cr3t-token');
    // A value whose reference failed is left as written, not half substituted.
    expect(result.value).toEqual({ a: '${TOKEN}${MISSING}', b: '${HOST' });
  });
});
