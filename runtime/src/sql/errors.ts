/**
 * Errors of SQL assets: each names the asset, the file:line inside its `sql` template and the
 * warehouse's own message, so a failed query points at the line to fix.
 */
import { TributaryError, UserCodeError, type SourceLocation } from "../errors";
import { fileLineOf, type SqlTemplate } from "./template";

/** A SQL asset's query failed, or is not a query. The previous table is left as it was. */
export class SqlAssetError extends TributaryError {
  constructor(
    readonly assetKey: string,
    message: string,
    readonly location: SourceLocation | undefined,
    options: { hint?: string; cause?: unknown },
  ) {
    super(`${location ? `${location.file}:${location.line}: ` : ""}sqlAsset "${assetKey}": ${message}`, options);
  }
}

/** Strips comments and quoted text, which may contain anything, before looking at a query's shape. */
function codeOnly(text: string): string {
  return text.replace(/--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'|"(?:[^"]|"")*"/g, (match) => match.replace(/[^\n]/g, " "));
}

/** Where a query stops being one plain query, and what is found there; null when it is one. */
function firstNonQuery(code: string): { offset: number; problem: string } | null {
  const first = /^[\s(]*([A-Za-z]+)/.exec(code);
  if (!first || !/^(select|with|values|table)$/i.test(first[1]!)) {
    const offset = first ? first.index + first[0].length - first[1]!.length : 0;
    return { offset, problem: `starts with "${(first?.[1] ?? "").toLowerCase()}"` };
  }
  const semicolon = code.indexOf(";");
  if (semicolon >= 0) {
    const next = /^;\s*([A-Za-z]+)/.exec(code.slice(semicolon))?.[1] ?? "";
    return { offset: semicolon, problem: `has a second statement "${next.toLowerCase()}"` };
  }
  // A data-modifying WITH (`with d as (delete from t returning *) select ...`) writes as it reads.
  const writer = /\(\s*(insert|update|delete|merge)\b/i.exec(code);
  if (writer) return { offset: writer.index + writer[0].length - writer[1]!.length, problem: `modifies data ("${writer[1]!.toLowerCase()}")` };
  return null;
}

/**
 * Refuses anything but one query (`select`, `with`, `values`, `table`): the template is built into
 * `create table ... as`, and a `drop table` in it must fail before it reaches the warehouse.
 * Returns the query without a trailing semicolon, which would end the `create table` early.
 */
export function assertSingleQuery(assetKey: string, template: SqlTemplate, text: string): string {
  const trimmed = text.replace(/;\s*$/, "");
  const found = firstNonQuery(codeOnly(trimmed));
  if (found === null) return trimmed;
  const line = fileLineOf(template, trimmed, found.offset);
  const location = template.location && line !== undefined ? { ...template.location, line } : template.location;
  throw new SqlAssetError(assetKey, `the query must be one SELECT (or WITH ... SELECT), but it ${found.problem}`, location, {
    hint: "A SQL asset is a query; Tributary creates, replaces or merges its table. Move other statements out of the query.",
  });
}

/** Where in the rendered text the warehouse says the error is (PostgreSQL's position, DuckDB's "LINE n:"). */
function errorOffset(error: unknown, text: string): number | undefined {
  const position = (error as { position?: unknown } | null)?.position;
  if (typeof position === "string" && /^\d+$/.test(position)) return Number(position) - 1;
  const line = /LINE (\d+):/.exec(error instanceof Error ? error.message : "")?.[1];
  if (line === undefined) return undefined;
  let offset = 0;
  for (let n = 1; n < Number(line); n++) offset = text.indexOf("\n", offset) + 1;
  return offset;
}

/** Wraps what the warehouse threw so it names the asset, the template's file:line and the warehouse. */
export function sqlAssetError(assetKey: string, template: SqlTemplate, text: string, warehouse: string, error: unknown): Error {
  if (error instanceof TributaryError) return error;
  const offset = errorOffset(error, text);
  const line = offset === undefined ? undefined : fileLineOf(template, text, offset);
  const location = template.location && line !== undefined ? { ...template.location, line } : template.location;
  const own = error instanceof Error ? error.message.split("\n")[0]! : String(error);
  return new SqlAssetError(assetKey, `${warehouse} says: ${own}`, location, {
    cause: error,
    hint: "The previous table is unchanged. Fix the query, then materialize the asset again.",
  });
}

/**
 * The warehouse could not be set up for a SQL asset's step (a PostgreSQL server that is down, an
 * embedded warehouse file another process holds): names the asset, the line of its `sql` tag and
 * the warehouse's own reason. Nothing was built, so the previous table is as it was.
 */
export function warehouseUnavailableError(assetKey: string, template: SqlTemplate, warehouseKey: string, error: unknown): Error {
  // The run wraps setup failures as `setting up resource "warehouse" failed: <reason>`: keep the reason.
  const reason = error instanceof UserCodeError && error.cause !== undefined ? error.cause : error;
  const own = reason instanceof Error ? reason.message.split("\n")[0]! : String(reason);
  return new SqlAssetError(assetKey, `the warehouse "${warehouseKey}" is unavailable: ${own}`, template.location, {
    cause: error,
    hint: "Nothing was built and the previous table is unchanged. Start the warehouse (or fix its URL), then materialize the asset again.",
  });
}
