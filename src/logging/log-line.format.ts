import type { LogFormatSetting, LogLevelSetting } from '../config/env.schema.js';

/** One log record, as the logger hands it to the formatter. */
export interface LogRecord {
  /** Epoch milliseconds (Date.now()); printed as ISO 8601 in UTC. */
  time: number;
  level: LogLevelSetting;
  /** Who logs: a module's name (`S3`, `Sync`, `Flush`, `Bootstrap`, …). */
  context?: string;
  message: string;
  /** Structured fields; they never replace time, level, context or message. */
  fields?: Record<string, unknown>;
  stack?: string;
}

const RESERVED = new Set(['time', 'level', 'context', 'message', 'stack']);

/** A record as one line, terminated by `\n`: a JSON object, or for people a `time LEVEL [context] message k=v` line. */
export function formatLogLine(record: LogRecord, format: LogFormatSetting): string {
  return format === 'pretty' ? prettyLine(record) : jsonLine(record);
}

function jsonLine(record: LogRecord): string {
  const line: Record<string, unknown> = { time: new Date(record.time).toISOString(), level: record.level };
  if (record.context) line.context = record.context;
  line.message = record.message;
  for (const [name, value] of Object.entries(record.fields ?? {})) {
    if (value !== undefined && !RESERVED.has(name)) line[name] = value;
  }
  if (record.stack) line.stack = record.stack;
  return `${JSON.stringify(line, jsonSafe)}\n`;
}

/** JSON.stringify throws on a BigInt and prints an Error as `{}`. */
function jsonSafe(_name: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

function prettyLine(record: LogRecord): string {
  const head = `${new Date(record.time).toISOString()} ${record.level.toUpperCase().padEnd(5)}`;
  const context = record.context ? ` [${record.context}]` : '';
  let pairs = '';
  let lists = '';
  for (const [name, value] of Object.entries(record.fields ?? {})) {
    if (value === undefined || RESERVED.has(name)) continue;
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
      lists += value.map((item) => `\n  - ${item}`).join('');
    } else {
      pairs += ` ${name}=${prettyValue(value)}`;
    }
  }
  const stack = record.stack ? `\n${record.stack.replace(/^/gm, '    ')}` : '';
  return `${head}${context} ${record.message}${pairs}${lists}${stack}\n`;
}

/** Bare when unambiguous; quoted (JSON escapes) when a value could be misread or break the line, e.g. a key with a newline. */
function prettyValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string' && /^[^\s"=\\\p{Cc}]+$/u.test(value)) return value;
  return JSON.stringify(value, jsonSafe) ?? String(value);
}
