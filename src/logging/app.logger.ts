import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { inspect } from 'node:util';
import { LOG_LEVELS, type LogFormatSetting, type LogLevelSetting } from '../config/env.schema.js';
import { formatLogLine } from './log-line.format.js';

type Stream = 'stdout' | 'stderr';

export interface AppLoggerOptions {
  format: LogFormatSetting;
  level: LogLevelSetting;
  /** Where lines go; default process.stdout, and process.stderr for errors. */
  write?: (line: string, stream: Stream) => void;
}

/** Nest calls `info` `log`; everything users see (LOG_LEVEL, the `level` field) says `info`. */
const toNest = (level: LogLevelSetting): LogLevel => (level === 'info' ? 'log' : level);
const fromNest = (level: LogLevel): LogLevelSetting => (level === 'log' ? 'info' : level);

/**
 * Nest's own start-up chatter (one line per module, per route, "successfully started"): worth seeing when
 * debugging, noise at `info`, where the service says itself when it listens.
 */
const FRAMEWORK_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
]);

/**
 * The service's one logger: a line per record on stdout (errors and fatal on stderr), JSON with an ISO
 * timestamp by default or `LOG_FORMAT=pretty` for people. It extends Nest's ConsoleLogger for the call
 * conventions (context last, error stacks, structured params such as `logger.log('msg', { key })`) and level
 * checks (`Logger.isLevelEnabled`), and replaces only how a record is printed.
 */
export class AppLogger extends ConsoleLogger {
  private readonly format: LogFormatSetting;
  private readonly write: (line: string, stream: Stream) => void;

  constructor(options: AppLoggerOptions) {
    const levels = LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(options.level) + 1).map(toNest);
    super({ logLevels: levels, colors: false });
    this.format = options.format;
    this.write = options.write ?? ((line, stream) => process[stream].write(line));
  }

  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context)) this.debug(message, ...rest);
    else super.log(message, ...rest);
  }

  /**
   * Nest reports an error of the start-up (a provider that failed) under `ExceptionHandler`, then rethrows it to
   * main.ts, which prints it as the one fatal record: here it is a debug detail, with its stack.
   */
  override error(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (context === 'ExceptionHandler') this.debug(message, context);
    else super.error(message, ...rest);
  }

  protected override printMessages(
    messages: unknown[],
    context = '',
    logLevel: LogLevel = 'log',
    writeStreamType: Stream = 'stdout',
    errorStack?: unknown,
    params?: Record<string, unknown>,
  ): void {
    for (const message of messages) {
      const resolved = this.resolveMessage(message);
      const error = resolved instanceof Error ? resolved : undefined;
      const text =
        typeof resolved === 'string'
          ? resolved
          : error
            ? error.message
            : inspect(resolved, { breakLength: Infinity, depth: 4 });
      const stack = typeof errorStack === 'string' ? errorStack : error?.stack;
      this.write(
        formatLogLine(
          { time: Date.now(), level: fromNest(logLevel), context, message: text, fields: params, stack },
          this.format,
        ),
        writeStreamType,
      );
    }
  }

  /** The stack is part of the record (a field in JSON, indented lines in pretty): never a second, loose print. */
  protected override printStackTrace(): void {}
}
