/**
 * Errors of SQL assets: each names the asset, the file:line inside its `sql` template and the
 * warehouse's own message, so a failed query points at the line to fix.
 */
import { TributaryError, type SourceLocation } from "../errors";
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

/**
 * Refuses anything but one query (`select`, `with`, `values`, `table`): the template is built into
 * `create table ... as`, and a `drop table` in it must fail before it reaches the warehouse.
 */
export function assertSingleQuery(assetKey: string, template: SqlTemplate, text: string): void {
  const code = codeOnly(text);
  const first = /^[\s(]*([A-Za-z]+)/.exec(code);
  const semicolon = code.replace(/;\s*$/, "").indexOf(";");
  const offset = !first || !/^(select|with|values|table)$/i.test(first[1]!) ? (first ? first.index + first[0].length - first[1]!.length : 0) : semicolon;
  if (offset < 0) return;
  const line = fileLineOf(template, text, offset);
  const location = template.location && line !== undefined ? { ...template.location, line } : template.location;
  const found = (/^\s*;?\s*([A-Za-z]+)/.exec(code.slice(offset)) ?? [])[1];
  throw new SqlAssetError(
    assetKey,
    `the query must be one SELECT (or WITH ... SELECT), but it ${semicolon === offset ? "has a second statement" : "starts with"}${found ? ` "${found.toLowerCase()}"` : ""}`,
    location,
    { hint: "A SQL asset is a query; Tributary creates, replaces or merges its table. Move other statements out of the query." },
  );
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
