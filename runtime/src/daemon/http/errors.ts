/**
 * How failures become HTTP answers. Bad input is always a 4xx with a message that says what is wrong
 * and how to fix it; unreachable storage is a 503 that says so; only our own bugs are 500, with an
 * id to find the log.
 */
import { randomBytes } from "node:crypto";
import { CodeLoadError, ConfigError, DefinitionError, SelectionSyntaxError, isTributaryError, TributaryError } from "../../errors";
import { EmptySelectionError } from "../../execution/plan";
import { isStorageUnreachable } from "../../storage/unreachable";

/** Seconds a client is told to wait (`Retry-After`) when the database is unreachable. */
const STORAGE_RETRY_AFTER_S = 5;

/** An error with the HTTP status and the message the client sees. Thrown by handlers for bad input. */
export class HttpError extends TributaryError {
  /** Extra headers of the answer (e.g. `Allow` for 405, `WWW-Authenticate` for 401). */
  readonly headers: Record<string, string>;
  /** Extra fields of the `error` object (e.g. `offset` of a selection syntax error). */
  readonly details: Record<string, unknown>;

  constructor(
    readonly status: number,
    message: string,
    options: { hint?: string; headers?: Record<string, string>; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.hint === undefined ? undefined : { hint: options.hint });
    this.headers = options.headers ?? {};
    this.details = options.details ?? {};
  }
}

/** The JSON body of every error answer: `{ "error": { "message", "hint"?, ... } }`. */
export interface ErrorBody {
  error: { message: string; hint?: string; [detail: string]: unknown };
}

/** What to send for a thrown value: status, headers and body; `unexpected` ones must be logged. */
export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: ErrorBody;
  /** Set for 5xx: the id printed in the log next to the stack, and given to the client. */
  errorId?: string;
}

/**
 * Maps anything a handler threw to an answer. Errors that mean "your input is wrong" (selection
 * syntax, empty selection, our {@link HttpError}s, or any error carrying a 4xx `httpStatus`) are 4xx;
 * a project that does not load, or a database that cannot be reached, is 503; everything else is a
 * 500 with an id.
 */
export function errorAnswer(thrown: unknown): ErrorAnswer {
  if (thrown instanceof HttpError) {
    return { status: thrown.status, headers: thrown.headers, body: errorBody(thrown.message, thrown.hint, thrown.details) };
  }
  if (thrown instanceof SelectionSyntaxError || (thrown as Error | null)?.name === "SelectionSyntaxError") {
    const error = thrown as SelectionSyntaxError;
    return {
      status: 400,
      headers: {},
      body: errorBody(`invalid selection: ${error.message}`, error.hint ?? SELECTION_HINT, {
        selection: error.selection,
        offset: error.offset,
      }),
    };
  }
  if (thrown instanceof EmptySelectionError || (thrown as Error | null)?.name === "EmptySelectionError") {
    const error = thrown as TributaryError;
    return { status: 400, headers: {}, body: errorBody(error.message, error.hint ?? "GET /api/assets lists the keys, groups and tags there are.") };
  }
  const declared = (thrown as { httpStatus?: unknown } | null)?.httpStatus;
  if (isTributaryError(thrown) && typeof declared === "number" && declared >= 400 && declared < 500) {
    // An error that names the CLI's flags in its hint may carry one naming the request's JSON fields.
    const httpHint = (thrown as { httpHint?: unknown }).httpHint;
    return { status: declared, headers: {}, body: errorBody(thrown.message, typeof httpHint === "string" ? httpHint : thrown.hint) };
  }
  if (thrown instanceof CodeLoadError || thrown instanceof DefinitionError || thrown instanceof ConfigError) {
    return {
      status: 503,
      headers: {},
      body: errorBody(`the project does not load: ${thrown.message}`, thrown.hint ?? "Fix the definitions; the daemon reloads them on save."),
    };
  }
  if (isStorageUnreachable(thrown)) {
    return {
      status: 503,
      headers: { "Retry-After": String(STORAGE_RETRY_AFTER_S) },
      body: errorBody(
        `the daemon cannot reach its database: ${thrown.message}`,
        "Nothing is lost: the daemon keeps the events and ends of the runs in progress and writes them when the database is back. " +
          "Try again shortly; GET /api/health says whether the storage is reachable. " +
          (thrown.hint ?? ""),
      ),
    };
  }
  const errorId = randomBytes(6).toString("hex");
  return {
    status: 500,
    headers: {},
    errorId,
    body: errorBody(`internal error ${errorId}: the daemon failed to answer this request`, "The daemon's log has the stack trace under this id; please report it."),
  };
}

const SELECTION_HINT = "Selections look like raw_orders, +stg_orders, group:staging, tag:pii or *.";

function errorBody(message: string, hint: string | undefined, details: Record<string, unknown> = {}): ErrorBody {
  return { error: { message, ...(hint === undefined ? {} : { hint }), ...details } };
}
