/**
 * What every command gets: where to write, the environment, and how to print errors. Commands
 * write through this instead of `process.stdout` so tests can run them in-process.
 */
import { TributaryError } from "../errors";

/** Exit codes (DESIGN.md §3). */
export const EXIT_OK = 0;
/** A run or a validation failed (also: the project does not load, storage unreachable). */
export const EXIT_FAILED = 1;
/** Bad usage: unknown flag, missing argument, bad selection string. */
export const EXIT_USAGE = 2;

/** A writable stream as the CLI uses it. */
export interface CliStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Where a command runs and writes. */
export interface CliContext {
  stdout: CliStream;
  stderr: CliStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Print stacks of errors (`--verbose` or TRIBUTARY_DEBUG=1). */
  verbose: boolean;
  /** The clock assets' freshness is judged by (milliseconds since the epoch; tests inject one). @defaultValue Date.now */
  now?: () => number;
}

/** A command: takes its own arguments (after the command name), returns the exit code. */
export type Command = (args: string[], context: CliContext) => Promise<number>;

/** Bad command-line usage: printed with the command's usage line, exit code 2. */
export class UsageError extends TributaryError {
  constructor(
    message: string,
    options?: { hint?: string; /** Extra lines printed after the message (e.g. a caret). */ detail?: string },
  ) {
    super(message, options?.hint === undefined ? undefined : { hint: options.hint });
    this.detail = options?.detail;
  }
  readonly detail: string | undefined;
}

/** True when ANSI colours and cursor movement may be written to `stream`. */
export function ansiAllowed(stream: CliStream, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && (env["NO_COLOR"] === undefined || env["NO_COLOR"] === "") && env["TERM"] !== "dumb";
}

/** Colour helpers that turn into identity functions when ANSI is not allowed. */
export interface Styles {
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
  cyan(text: string): string;
}

/** Styles for a stream: colours only when {@link ansiAllowed}. */
export function stylesFor(stream: CliStream, env: NodeJS.ProcessEnv): Styles {
  const on = ansiAllowed(stream, env);
  const wrap = (open: number, close: number) => (text: string) => (on ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return { red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22), cyan: wrap(36, 39) };
}

/**
 * Prints an error the way users should see it: `error: message` and `hint: ...`; the stack only
 * in verbose mode, or for errors that are not ours (a bug in Tributary deserves its stack).
 * Returns the exit code for it.
 */
export function reportError(error: unknown, context: CliContext): number {
  const styles = stylesFor(context.stderr, context.env);
  const out = (line: string) => context.stderr.write(`${line}\n`);
  if (error instanceof UsageError) {
    out(`${styles.red("error:")} ${error.message}`);
    if (error.detail) out(error.detail);
    if (error.hint) out(`${styles.yellow("hint:")} ${error.hint}`);
    return EXIT_USAGE;
  }
  const message = error instanceof Error ? error.message : String(error);
  const hint = (error as { hint?: unknown } | null)?.hint;
  const ours = error instanceof TributaryError || typeof hint === "string";
  out(`${styles.red("error:")} ${ours ? message : `unexpected ${error instanceof Error ? error.name : "error"}: ${message}`}`);
  if (typeof hint === "string" && hint !== "") out(`${styles.yellow("hint:")} ${hint}`);
  if (context.verbose && error instanceof Error && error.stack) {
    out(styles.dim(error.stack));
    let cause = error.cause;
    while (cause instanceof Error) {
      out(styles.dim(`caused by: ${cause.stack ?? cause.message}`));
      cause = cause.cause;
    }
  } else if (!ours) {
    out(styles.dim("Run again with --verbose (or TRIBUTARY_DEBUG=1) for the stack trace."));
  }
  return EXIT_FAILED;
}
