/**
 * The daemon's logger: levelled, with fields, and scoped. A part of the daemon logs through a
 * child made by `logger.scope({ component: "scheduler" })` instead of writing a `[scheduler] `
 * prefix into each line, so the same entry can be a line of text for a person or a JSON object for
 * a log store (modelled on graphile-worker's `Logger`, `logger.scope()` and `LogFunctionFactory`).
 *
 * Where entries go is a {@link LogSink}: {@link textSink} writes the lines the daemon has always
 * written (`[scheduler] schedule "nightly": ...`), {@link jsonSink} one JSON object per line,
 * {@link pinoSink} hands them to a pino logger (or anything shaped like one).
 */
import { ConfigError } from "../errors";
import { boundLogLine } from "./logLine";

/** The levels, least severe first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** How severe an entry is. */
export type LogLevel = (typeof LOG_LEVELS)[number];
/** How entries are written: lines of text, or one JSON object per line. */
export const LOG_FORMATS = ["text", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Structured data of an entry (JSON-serialisable values). */
export type LogFields = Readonly<Record<string, unknown>>;

/** One log entry, as a sink receives it. */
export interface LogEntry {
  time: Date;
  level: LogLevel;
  message: string;
  /** The fields of the logger's scope (`component`, then whatever the scopes added). */
  scope: LogFields;
  /** The fields of this entry. */
  fields: LogFields;
}

/** Where entries go (graphile-worker's `LogFunctionFactory`, flattened: the scope travels with the entry). */
export type LogSink = (entry: LogEntry) => void;

/**
 * A levelled logger with fields and scopes.
 *
 * @example
 * ```ts
 * const logger = new Logger(jsonSink((line) => process.stdout.write(`${line}\n`)), {}, "info");
 * const scheduler = logger.scope({ component: "scheduler" });
 * scheduler.warn(`schedule "nightly": 2 missed tick(s) skipped`, { schedule: "nightly", skipped: 2 });
 * ```
 */
export class Logger {
  /**
   * @param sink - Where entries go.
   * @param scopeFields - Fields every entry of this logger carries.
   * @param level - Entries below this level are dropped. @defaultValue "info"
   * @param now - The clock stamping entries. @defaultValue the system clock
   */
  constructor(
    private readonly sink: LogSink,
    private readonly scopeFields: LogFields = {},
    readonly level: LogLevel = "info",
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The fields of this logger's scope. */
  get fields(): LogFields {
    return this.scopeFields;
  }

  /** A child logger whose entries also carry `fields` (its own win over the parent's). */
  scope(fields: LogFields): Logger {
    return new Logger(this.sink, { ...this.scopeFields, ...fields }, this.level, this.now);
  }

  /** True when entries of `level` are written. */
  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(this.level);
  }

  debug(message: string, fields?: LogFields): void {
    this.log("debug", message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.log("info", message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.log("warn", message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.log("error", message, fields);
  }

  log(level: LogLevel, message: string, fields: LogFields = {}): void {
    if (!this.enabled(level)) return;
    try {
      this.sink({ time: this.now(), level, message, scope: this.scopeFields, fields });
    } catch {
      // A failing sink (a closed pipe) must not break the daemon part that logged.
    }
  }

  /**
   * A `(line) => void` for code below the daemon's layer (the execution's worker pool), which
   * writes lines with a `[component] ` prefix: the prefix becomes the `component` field.
   */
  lines(level: LogLevel = "info"): (line: string) => void {
    return (line) => {
      const prefixed = /^\[([\w .-]+)\] ([\s\S]*)$/.exec(line);
      if (prefixed) this.scope({ component: prefixed[1] }).log(level, prefixed[2]!);
      else this.log(level, line);
    };
  }
}

/**
 * The line of text of an entry: `[component] message`, as the daemon has always written them
 * (the other fields are for machines, and the message already says what they hold).
 */
export function formatText(entry: LogEntry): string {
  const component = entry.scope["component"];
  return boundLogLine(typeof component === "string" ? `[${component}] ${entry.message}` : entry.message);
}

/**
 * The JSON line of an entry: `time` (ISO 8601), `level`, `msg`, then the scope's fields and the
 * entry's (flat, as pino and most log stores expect). A string longer than a log line is cut
 * (see logLine.ts), a value JSON cannot hold is written as text, so every line parses.
 */
export function formatJson(entry: LogEntry): string {
  const record: Record<string, unknown> = { time: entry.time.toISOString(), level: entry.level, msg: boundLogLine(entry.message) };
  for (const [key, value] of Object.entries({ ...entry.scope, ...entry.fields })) {
    if (key === "time" || key === "level" || key === "msg") continue;
    record[key] = jsonValue(value);
  }
  return JSON.stringify(record);
}

function jsonValue(value: unknown): unknown {
  if (typeof value === "string") return boundLogLine(value);
  if (value instanceof Error) return { message: boundLogLine(value.message), ...(value.stack ? { stack: boundLogLine(value.stack) } : {}) };
  if (typeof value === "bigint") return value.toString();
  if (value === undefined || typeof value === "function" || typeof value === "symbol") return undefined;
  try {
    JSON.stringify(value);
    return value;
  } catch {
    return boundLogLine(String(value));
  }
}

/** A sink writing {@link formatText} lines. */
export function textSink(write: (line: string) => void): LogSink {
  return (entry) => write(formatText(entry));
}

/** A sink writing {@link formatJson} lines. */
export function jsonSink(write: (line: string) => void): LogSink {
  return (entry) => write(formatJson(entry));
}

/** One level's method of a pino logger: `logger.info({ ...fields }, "message")`. */
export type PinoLogMethod = (fields: Record<string, unknown>, message: string) => void;

/**
 * What the daemon needs of a pino logger: its four level methods. A pino instance satisfies it
 * as it is (`pinoSink(pino())`); so does anything else with the same shape (bunyan, winston's
 * child loggers with a small wrapper). Tributary does not depend on pino.
 */
export interface PinoLike {
  debug: PinoLogMethod;
  info: PinoLogMethod;
  warn: PinoLogMethod;
  error: PinoLogMethod;
}

/**
 * A sink handing entries to a pino logger: `pino[level]({ ...scope, ...fields }, message)`. Pino
 * then applies its own level, formatting, transports and redaction.
 *
 * @example
 * ```ts
 * import pino from "pino";
 * const daemon = new Daemon({ config, logger: new Logger(pinoSink(pino()), {}, "debug") });
 * ```
 */
export function pinoSink(pino: PinoLike): LogSink {
  return (entry) => pino[entry.level]({ ...entry.scope, ...entry.fields }, entry.message);
}

/** What chooses a logger: the format, the level and where lines go. */
export interface LoggerSettings {
  /** @defaultValue "text" */
  format?: LogFormat;
  /** @defaultValue "info" */
  level?: LogLevel;
  /** @defaultValue stderr */
  write?: (line: string) => void;
}

/** A logger writing `format` lines of `level` and above to `write`. */
export function createLogger(settings: LoggerSettings = {}): Logger {
  const write = settings.write ?? ((line: string) => void process.stderr.write(`${line}\n`));
  return new Logger(settings.format === "json" ? jsonSink(write) : textSink(write), {}, settings.level ?? "info");
}

/** A logger that drops everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return new Logger(() => undefined, {}, "error");
}

/** Environment variables that override tributary.yaml's `daemon.logFormat` and `daemon.logLevel`. */
export const LOG_FORMAT_ENV = "TRIBUTARY_LOG_FORMAT";
export const LOG_LEVEL_ENV = "TRIBUTARY_LOG_LEVEL";

/**
 * The format and level a process logs with: the environment's ({@link LOG_FORMAT_ENV},
 * {@link LOG_LEVEL_ENV}), else tributary.yaml's `daemon:` section's. An unknown value in the
 * environment is a ConfigError naming the variable and the values it takes.
 */
export function logSettingsFrom(
  section: { logFormat?: LogFormat; logLevel?: LogLevel } | undefined,
  env: Readonly<Record<string, string | undefined>>,
): { format: LogFormat; level: LogLevel } {
  const format = env[LOG_FORMAT_ENV]?.trim().toLowerCase() || section?.logFormat || "text";
  const level = env[LOG_LEVEL_ENV]?.trim().toLowerCase() || section?.logLevel || "info";
  if (!(LOG_FORMATS as readonly string[]).includes(format)) {
    throw new ConfigError(`${LOG_FORMAT_ENV}=${env[LOG_FORMAT_ENV]} is not a log format`, { hint: `Use one of ${LOG_FORMATS.join(", ")}, or unset it to use daemon.logFormat of tributary.yaml.` });
  }
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`${LOG_LEVEL_ENV}=${env[LOG_LEVEL_ENV]} is not a log level`, { hint: `Use one of ${LOG_LEVELS.join(", ")}, or unset it to use daemon.logLevel of tributary.yaml.` });
  }
  return { format: format as LogFormat, level: level as LogLevel };
}
