import { describe, expect, it } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { LogFormatSetting, LogLevelSetting } from '../config/env.schema.js';
import { AppLogger } from './app.logger.js';

function capture(level: LogLevelSetting, format: LogFormatSetting = 'json') {
  const lines: { line: string; stream: string }[] = [];
  const logger = new AppLogger({ level, format, write: (line, stream) => lines.push({ line, stream }) });
  const json = () => lines.map(({ line }) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, json };
}

describe('AppLogger', () => {
  it.each<[LogLevelSetting, string[]]>([
    ['fatal', ['fatal']],
    ['error', ['fatal', 'error']],
    ['warn', ['fatal', 'error', 'warn']],
    ['info', ['fatal', 'error', 'warn', 'info']],
    ['debug', ['fatal', 'error', 'warn', 'info', 'debug']],
    ['verbose', ['fatal', 'error', 'warn', 'info', 'debug', 'verbose']],
  ])('LOG_LEVEL=%s prints %j', (level, printed) => {
    const { logger, json } = capture(level);
    logger.fatal('f', 'T');
    logger.error('e', undefined, 'T');
    logger.warn('w', 'T');
    logger.log('i', 'T');
    logger.debug('d', 'T');
    logger.verbose('v', 'T');
    expect(json().map((line) => line.level)).toEqual(printed);
  });

  it('sends errors and fatal to stderr, the rest to stdout', () => {
    const { logger, lines } = capture('info');
    logger.log('i', 'T');
    logger.error('e', undefined, 'T');
    logger.fatal('f', 'T');
    expect(lines.map(({ stream }) => stream)).toEqual(['stdout', 'stderr', 'stderr']);
  });

  it("keeps Nest's start-up chatter for debug", () => {
    const quiet = capture('info');
    quiet.logger.log('AppModule dependencies initialized', 'InstanceLoader');
    quiet.logger.log('Mapped {/, GET} route', 'RouterExplorer');
    quiet.logger.log('listening', 'Bootstrap');
    expect(quiet.json().map((line) => line.message)).toEqual(['listening']);
    const verbose = capture('debug');
    verbose.logger.log('AppModule dependencies initialized', 'InstanceLoader');
    expect(verbose.json()).toMatchObject([{ level: 'debug', context: 'InstanceLoader' }]);
  });

  it("keeps Nest's report of a start-up error for debug (main.ts prints it once, as fatal)", () => {
    const { logger, json } = capture('info');
    logger.error(new Error('EACCES: permission denied'), undefined, 'ExceptionHandler');
    logger.error('flush failed', undefined, 'Sync');
    expect(json().map((line) => line.context)).toEqual(['Sync']);
    const verbose = capture('debug');
    verbose.logger.error(new Error('EACCES: permission denied'), undefined, 'ExceptionHandler');
    expect(verbose.json()).toMatchObject([
      { level: 'debug', context: 'ExceptionHandler', message: 'EACCES: permission denied', stack: expect.any(String) },
    ]);
  });

  it('prints structured fields and an error stack in the same record, once', () => {
    const { logger, json } = capture('info');
    logger.log('PutObject 200', { key: 'k', status: 200 }, 'S3');
    logger.error(new Error('disk full'), 'Storage');
    const [access, failure] = json();
    expect(access).toMatchObject({ level: 'info', context: 'S3', message: 'PutObject 200', key: 'k', status: 200 });
    expect(failure).toMatchObject({ level: 'error', context: 'Storage', message: 'disk full' });
    expect(String(failure.stack)).toMatch(/^Error: disk full\n\s+at /);
    expect(json()).toHaveLength(2);
  });

  it('serves every Nest Logger once installed, and answers Logger.isLevelEnabled by LOG_LEVEL', () => {
    const { logger, lines } = capture('warn', 'pretty');
    const previous = Logger['staticInstanceRef'] as unknown;
    Logger.overrideLogger(logger);
    try {
      new Logger('Sync').warn('remote unreachable');
      new Logger('Sync').log('committed');
      expect(Logger.isLevelEnabled('log')).toBe(false);
      expect(Logger.isLevelEnabled('warn')).toBe(true);
    } finally {
      Logger.overrideLogger(previous as Logger);
    }
    expect(lines.map(({ line }) => line)).toEqual([
      expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARN {2}\[Sync\] remote unreachable\n$/),
    ]);
  });
});
