/**
 * The SQL parser of the analysis: PostgreSQL's own (libpg-query, compiled to WebAssembly). Chosen
 * on figures (docs/performance.md, "SQL parser"): it parsed every query of the comparison corpus
 * where the pure-JS pgsql-ast-parser 12 rejected a fifth of them (NATURAL JOIN, IS DISTINCT FROM,
 * TABLESAMPLE, field selection), and it parses ~20 times faster (68 µs against 1.3 ms a query).
 *
 * Its WebAssembly module loads asynchronously once per process ({@link loadSqlParser}); everything
 * after that is synchronous, like the rest of the analysis.
 */
import { loadModule, parseSync } from "libpg-query";

let loading: Promise<void> | undefined;
let loaded = false;

/**
 * Loads the parser (idempotent). The language server and `tributary validate` call it before they
 * index; a library user must too before asking for the model of a project with SQL assets.
 */
export function loadSqlParser(): Promise<void> {
  loading ??= loadModule().then(() => {
    loaded = true;
  });
  return loading;
}

/** A statement list as libpg-query returns it (PostgreSQL's parse tree as JSON). */
export interface SqlParseTree {
  stmts?: { stmt?: Record<string, unknown>; stmt_location?: number; stmt_len?: number }[];
}

/** A syntax error: PostgreSQL's message and the offset (UTF-16, in the parsed text) it points at. */
export interface SqlSyntaxError {
  message: string;
  offset: number;
}

/**
 * Parses `text`. Positions in the tree (`location`) are UTF-8 byte offsets, as in PostgreSQL; use
 * {@link byteOffsetMapper} to turn them into string offsets.
 *
 * @throws Error when {@link loadSqlParser} has not completed (a programming error, not a user's).
 */
export function parseSql(text: string): { tree: SqlParseTree } | { error: SqlSyntaxError } {
  if (!loaded) throw new Error("The SQL parser is not loaded: await loadSqlParser() before analysing SQL assets");
  try {
    return { tree: parseSync(text) as SqlParseTree };
  } catch (error) {
    const details = (error as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
    const message = details?.message ?? (error instanceof Error ? error.message : String(error));
    // cursorPosition is a 0-based byte offset (PostgreSQL's is 1-based; libpg-query subtracts one).
    const offset = byteOffsetMapper(text)(Math.max(0, details?.cursorPosition ?? 0));
    return { error: { message, offset } };
  }
}

/** A function from UTF-8 byte offsets in `text` to UTF-16 offsets (identity for ASCII text). */
export function byteOffsetMapper(text: string): (byteOffset: number) => number {
  // eslint-disable-next-line no-control-regex
  if (!/[^\u0000-\u007f]/.test(text)) return (byteOffset) => Math.min(byteOffset, text.length);
  const encoder = new TextEncoder();
  return (byteOffset) => {
    let bytes = 0;
    for (let i = 0; i < text.length; i++) {
      if (bytes >= byteOffset) return i;
      const code = text.codePointAt(i) as number;
      bytes += encoder.encode(String.fromCodePoint(code)).length;
      if (code > 0xffff) i++;
    }
    return text.length;
  };
}
