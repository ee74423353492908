/**
 * Structured logs: one JSON object per line (`time`, `level`, `msg`, then fields), the shape log
 * collectors parse without configuration. A logger is created once by the entry point and passed
 * down; `child()` adds context (app, environment, reconcile id) without global state. Every line
 * goes through redaction, so a field named `token` or a URL with credentials is never written.
 */
import { redactText, redactValue } from './redact.js';

export const LogLevel = { Debug: 'debug', Info: 'info', Warn: 'warn', Error: 'error' } as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

const SEVERITY: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (the child's own fields win over the parent's). */
  child(fields: LogFields): Logger;
  isEnabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  stream: NodeJS.WritableStream;
  level?: LogLevel;
  /** Fields on every line (component, pod name...). */
  base?: LogFields;
  /** Clock, injectable so tests get stable timestamps. */
  now?: () => Date;
}

/** Keys the logger owns: a field with one of these names is renamed rather than overwriting it. */
const RESERVED = new Set(['time', 'level', 'msg']);

export function isLogLevel(value: string): value is LogLevel {
  return Object.hasOwn(SEVERITY, value);
}

export function createLogger(options: LoggerOptions): Logger {
  const { stream, level = 'info', base = {}, now = () => new Date() } = options;
  if (!isLogLevel(level)) throw new TypeError(`ria logger: unknown level "${String(level)}"`);
  return make(stream, SEVERITY[level], base, now);
}

function make(stream: NodeJS.WritableStream, min: number, context: LogFields, now: () => Date): Logger {
  const write = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (SEVERITY[level] < min) return;
    const line: LogFields = { time: now().toISOString(), level, msg: redactText(msg) };
    const merged = redactValue({ ...context, ...fields }) as LogFields;
    for (const [key, value] of Object.entries(merged)) {
      if (value !== undefined) line[RESERVED.has(key) ? `field.${key}` : key] = value;
    }
    stream.write(`${safeStringify(line)}\n`);
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    child: (fields) => make(stream, min, { ...context, ...fields }, now),
    isEnabled: (level) => SEVERITY[level] >= min,
  };
}

/** A logger that drops everything: a default for library callers and tests that do not care. */
export const silentLogger: Logger = {
  debug: () => {}, info: () => {}, warn: () => {}, error: () => {},
  child: () => silentLogger,
  isEnabled: () => false,
};

function safeStringify(line: LogFields): string {
  try {
    return JSON.stringify(line);
  } catch (err) {
    // A value that cannot be serialized must not take the process down, nor lose the message.
    return JSON.stringify({ time: line.time, level: line.level, msg: line.msg, logError: String(err) });
  }
}
