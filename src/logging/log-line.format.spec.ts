import { describe, expect, it } from '@jest/globals';
import { formatLogLine, LogRecord } from './log-line.format.js';

const time = Date.parse('2026-12-02T10:00:00.123Z');

describe('formatLogLine: json', () => {
  it.each<[string, LogRecord, Record<string, unknown>]>([
    [
      'ISO time, level, context, message',
      { time, level: 'info', context: 'Sync', message: 'committed' },
      { time: '2026-12-02T10:00:00.123Z', level: 'info', context: 'Sync', message: 'committed' },
    ],
    [
      'fields at the top level, undefined ones left out',
      {
        time,
        level: 'info',
        context: 'S3',
        message: 'PutObject 200',
        fields: { status: 200, key: 'a b', x: undefined },
      },
      {
        time: '2026-12-02T10:00:00.123Z',
        level: 'info',
        context: 'S3',
        message: 'PutObject 200',
        status: 200,
        key: 'a b',
      },
    ],
    [
      'a field never replaces time, level or message',
      { time, level: 'warn', message: 'real', fields: { level: 'debug', message: 'fake', time: 0, n: 1n } },
      { time: '2026-12-02T10:00:00.123Z', level: 'warn', message: 'real', n: '1' },
    ],
    [
      'the stack as a field',
      { time, level: 'error', message: 'boom', stack: 'Error: boom\n    at x (y.js:1:1)' },
      { time: '2026-12-02T10:00:00.123Z', level: 'error', message: 'boom', stack: 'Error: boom\n    at x (y.js:1:1)' },
    ],
  ])('%s', (_name, record, expected) => {
    const line = formatLogLine(record, 'json');
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual(expected);
  });
});

describe('formatLogLine: pretty', () => {
  it.each<[string, LogRecord, string]>([
    [
      'plain',
      { time, level: 'info', context: 'Sync', message: 'committed' },
      '2026-12-02T10:00:00.123Z INFO  [Sync] committed\n',
    ],
    [
      'fields as key=value, quoted when they hold spaces, quotes or control characters',
      {
        time,
        level: 'info',
        context: 'S3',
        message: 'PutObject 200',
        fields: { bucket: 'annotations', key: 'exports//1 a\n"b"', status: 200, client: undefined },
      },
      '2026-12-02T10:00:00.123Z INFO  [S3] PutObject 200 bucket=annotations key="exports//1 a\\n\\"b\\"" status=200\n',
    ],
    [
      'a list of strings, one per line',
      { time, level: 'fatal', message: 'Invalid configuration', fields: { problems: ['PORT="abc": bad', 'X: worse'] } },
      '2026-12-02T10:00:00.123Z FATAL Invalid configuration\n  - PORT="abc": bad\n  - X: worse\n',
    ],
    [
      'the stack indented below',
      { time, level: 'error', context: 'S3', message: 'boom', stack: 'Error: boom\n    at x' },
      '2026-12-02T10:00:00.123Z ERROR [S3] boom\n    Error: boom\n        at x\n',
    ],
  ])('%s', (_name, record, expected) => {
    expect(formatLogLine(record, 'pretty')).toBe(expected);
  });
});
