import type { SerializedError } from "./types";

/**
 * Brands every {@link TributaryError}. `Symbol.for` gives the same symbol to every copy of the
 * package in a process: a project's definitions may import another copy of tributary-ts than the
 * CLI or daemon runs (a global CLI, a linked checkout), and `instanceof` fails across copies.
 */
const TRIBUTARY_ERROR: unique symbol = Symbol.for("tributary-ts.error") as never;

/**
 * Base class of every error Tributary raises on purpose. `hint` says what the user can do about it.
 */
export class TributaryError extends Error {
  /** A way out for the user, printed after the message by the CLI. */
  readonly hint: string | undefined;
  /** See {@link isTributaryError}. */
  readonly [TRIBUTARY_ERROR] = true;

  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options?.hint;
  }
}

/**
 * True for a {@link TributaryError} of this or any other copy of the package in the process (an
 * error raised by the partitions a project's own copy defined, say); `instanceof` sees this copy's only.
 */
export function isTributaryError(value: unknown): value is TributaryError {
  return value instanceof TributaryError || (value instanceof Error && (value as unknown as Record<symbol, unknown>)[TRIBUTARY_ERROR] === true);
}

/** Source location of a definition, captured when `asset()` and friends are called. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** A location, or a function computing it only when needed (call sites are formatted lazily). */
export type LocationLike = SourceLocation | undefined | (() => SourceLocation | undefined);

/** A definition is invalid: unknown dep, cycle, duplicate key, unknown resource, bad argument. */
export class DefinitionError extends TributaryError {
  readonly location: SourceLocation | undefined;

  constructor(message: string, options?: { hint?: string; location?: LocationLike; cause?: unknown }) {
    const location = typeof options?.location === "function" ? options.location() : options?.location;
    super(location ? `${formatLocation(location)}: ${message}` : message, options);
    this.location = location;
  }
}

/**
 * Configuration (tributary.yaml, environment, CLI flags) is missing or invalid. `location` points
 * into tributary.yaml when the problem is written there (`tributary validate` reports it there).
 */
export class ConfigError extends TributaryError {
  readonly location: SourceLocation | undefined;

  constructor(message: string, options?: { hint?: string; location?: SourceLocation; cause?: unknown }) {
    super(options?.location ? `${formatLocation(options.location)}: ${message}` : message, options);
    this.location = options?.location;
  }
}

/** A selection string does not parse. `offset` is the 0-based position of the problem. */
export class SelectionSyntaxError extends TributaryError {
  readonly offset: number;
  readonly selection: string;

  constructor(message: string, selection: string, offset: number, hint?: string) {
    super(`${message} at position ${offset + 1} of ${quoteSelection(selection, offset)}`, hint === undefined ? undefined : { hint });
    this.offset = offset;
    this.selection = selection;
  }
}

/** Selections longer than this are quoted in messages by an excerpt around the error. */
const QUOTED_SELECTION_MAX = 200;
const EXCERPT_SIDE = 60;

/**
 * The selection in double quotes, for messages; a long one (generated, or a hostile request body of
 * a megabyte) by the part around `offset` (its start by default) with "…" for what is left out, and
 * its length: messages end up in logs and terminals, which a whole megabyte would flood.
 *
 * @example
 * quoteSelection("+stg_orders") // "\"+stg_orders\""
 */
export function quoteSelection(selection: string, offset = 0): string {
  if (selection.length <= QUOTED_SELECTION_MAX) return `"${selection}"`;
  const from = Math.max(0, offset - EXCERPT_SIDE);
  const to = Math.min(selection.length, offset + EXCERPT_SIDE);
  const excerpt = `${from > 0 ? "…" : ""}${selection.slice(from, to)}${to < selection.length ? "…" : ""}`;
  return `"${excerpt}" (a selection of ${selection.length} characters)`;
}

/** The project's code could not be compiled or imported. Names the file and line. */
export class CodeLoadError extends TributaryError {
  readonly location: SourceLocation | undefined;

  constructor(message: string, options?: { hint?: string; location?: SourceLocation; cause?: unknown }) {
    super(options?.location ? `${formatLocation(options.location)}: ${message}` : message, options);
    this.location = options?.location;
  }
}

/** The database was migrated by a newer Tributary than this one. */
export class StorageVersionError extends TributaryError {}

/**
 * Wraps an exception thrown by user code (an asset, a check, a resource, an I/O manager) at the one
 * boundary where user code is called. The user's error is kept as `cause`, with its original stack.
 */
export class UserCodeError extends TributaryError {
  constructor(what: string, cause: unknown) {
    super(`${what}: ${describeThrown(cause)}`, { cause });
  }
}

/** Thrown when a step exceeds its timeout. */
export class StepTimeoutError extends TributaryError {}

/** Thrown inside a step when the run is canceled. */
export class RunCanceledError extends TributaryError {}

/**
 * Thrown by an asset function to ask for a retry regardless of the retry policy's error filter.
 * The step is retried while attempts remain.
 */
export class RetryRequested extends TributaryError {
  readonly delayMs: number | undefined;
  constructor(message = "Retry requested", options?: { delayMs?: number }) {
    super(message);
    // Explicit names: the executor recognizes these by name, and bundlers may rename classes.
    this.name = "RetryRequested";
    this.delayMs = options?.delayMs;
  }
}

/** Thrown by an asset function to fail the step at once, with no retry. */
export class Failure extends TributaryError {
  constructor(message: string, options?: { hint?: string; cause?: unknown }) {
    super(message, options);
    this.name = "Failure";
  }
}

export function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}

/** A one-line description of anything thrown (not every thrown value is an Error). */
export function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message || thrown.name;
  if (typeof thrown === "string") return thrown;
  try {
    return JSON.stringify(thrown) ?? String(thrown);
  } catch {
    return String(thrown);
  }
}

/** Serializes an error for the event log, keeping stacks and the cause chain. */
export function serializeError(thrown: unknown, depth = 0): SerializedError {
  if (thrown instanceof Error) {
    const serialized: SerializedError = { name: thrown.name, message: thrown.message };
    if (thrown.stack) serialized.stack = thrown.stack;
    if (thrown.cause !== undefined && depth < 5) serialized.cause = serializeError(thrown.cause, depth + 1);
    return serialized;
  }
  return { name: "NonErrorThrown", message: describeThrown(thrown) };
}
