/**
 * Bounds what the daemon writes to its log. A log line is built from whatever failed, and what
 * failed can carry user input: a 1 MiB request body quoted in an error message or a stack would
 * make one line of a megabyte, flooding the terminal and the log store. Every line is cut to
 * {@link MAX_LOG_LINE} characters, saying how long it was.
 */

/** The longest log line written whole (a stack trace of our own fits easily). */
export const MAX_LOG_LINE = 8_000;

/**
 * `line`, or its first {@link MAX_LOG_LINE} characters, an ellipsis and the original length.
 *
 * @example
 * boundLogLine("x".repeat(600_000)) // "xxx…xxx… (cut: 600000 characters in all)"
 */
export function boundLogLine(line: string): string {
  if (line.length <= MAX_LOG_LINE) return line;
  return `${line.slice(0, MAX_LOG_LINE)}… (cut: ${line.length} characters in all)`;
}

/** Wraps a log function so that every line it writes is bounded by {@link boundLogLine}. */
export function boundedLog(log: (line: string) => void): (line: string) => void {
  return (line) => log(boundLogLine(line));
}
