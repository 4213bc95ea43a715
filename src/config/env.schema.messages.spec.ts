import { describe, expect, it } from '@jest/globals';
import { InvalidConfigurationError, validateEnvironment } from './env.schema.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    validateEnvironment(env);
  } catch (error) {
    if (error instanceof InvalidConfigurationError) return error.problems;
    throw error;
  }
  return [];
}

describe('validateEnvironment: one clear message per bad setting', () => {
  it.each([
    [{ PORT: 'abc' }, ['PORT="abc": PORT must be a whole number from 0 to 65535']],
    [{ PORT: '70000' }, ['PORT="70000": PORT must be a whole number from 0 to 65535']],
    [{ PORT: '80.5' }, ['PORT="80.5": PORT must be a whole number from 0 to 65535']],
    [{ SYNC_MAX_PENDING: '0' }, ['SYNC_MAX_PENDING="0": SYNC_MAX_PENDING must be a whole number from 1 to 1000000']],
    [{ LOG_LEVEL: 'log' }, ['LOG_LEVEL="log": LOG_LEVEL must be one of fatal, error, warn, info, debug, verbose']],
    [{ LOG_FORMAT: 'text' }, ['LOG_FORMAT="text": LOG_FORMAT must be one of json, pretty']],
  ])('%j → %j', (env, expected) => {
    expect(problemsOf(env)).toEqual(expected);
  });

  it.each(['fatal', 'error', 'warn', 'info', 'debug', 'verbose'])('accepts LOG_LEVEL=%s', (level) => {
    expect(validateEnvironment({ LOG_LEVEL: level }).LOG_LEVEL).toBe(level);
  });

  it('the message lists every problem, one per line', () => {
    expect(() => validateEnvironment({ PORT: 'abc', LOG_FORMAT: 'text' })).toThrow(
      'Invalid configuration (fix these settings in .env or the environment):\n' +
        '  - PORT="abc": PORT must be a whole number from 0 to 65535\n' +
        '  - LOG_FORMAT="text": LOG_FORMAT must be one of json, pretty',
    );
  });
});
