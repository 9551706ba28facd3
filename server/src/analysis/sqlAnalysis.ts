/**
 * The SQL side of a project's analysis: every sqlAsset's query parsed (once per edit of its file)
 * and resolved against its upstreams' columns, upstreams first, giving the project's column
 * lineage and the SQL diagnostics. It runs after each link over the linked model; an asset is
 * resolved again only when its query or its upstreams' columns changed, so an edit costs a
 * comparison per SQL asset plus the assets it really affects.
 */
import { type AnalysisDiagnostic, type AssetNode, type FileFacts, isAssetDefinition, type Position, positionAt, type SourceLocation, spanContains, type Span, type SqlTemplateFact } from "./model";
import { suggestName } from "./selection";
import type { ProjectModel } from "./projectModel";
import { analyzeColumns, type LineageColumn, type PlaceholderTarget } from "./sqlColumns";
import { readSqlQuery, type SqlReadResult } from "./sqlQuery";

/** An output column of a SQL asset, located in its file. */
export interface SqlColumnInfo {
  name: string;
  type?: string;
  /** Upstream columns it is computed from, as `"<asset key>.<column>"`. */
  from: string[];
  location?: SourceLocation;
}

/** A column reference inside a query, resolved. */
export interface SqlColumnRefInfo {
  span: Span;
  column: string;
  type?: string;
  from: string[];
  /** The upstream column it names directly. */
  target?: { key: string; column: string };
}

/** The analysis of one SQL asset. */
export interface SqlAssetInfo {
  key: string;
  file: string;
  /** Its output columns; undefined when they are not statically knowable. */
  columns?: SqlColumnInfo[];
  refs: SqlColumnRefInfo[];
  /** Span of the query text (inside the backquotes). */
  span: Span;
  /** Upstream keys read through `${...}`. */
  upstreams: string[];
  diagnostics: AnalysisDiagnostic[];
}

interface Entry {
  sql: SqlTemplateFact;
  signature: string;
  info: SqlAssetInfo;
  /** Its columns as a string: downstreams resolve again when it changes. */
  columnsSignature: string;
  /** The columns in query offsets, handed to downstreams. */
  lineage?: LineageColumn[];
}

/** Parses are kept per template fact (a file's facts are replaced, never mutated, when it changes). */
const parses = new WeakMap<SqlTemplateFact, SqlReadResult>();

/**
 * The column analysis of every SQL asset of a project, kept between links.
 *
 * @example
 * const changed = sql.update(model, (file) => index.facts(file));
 * sql.asset("doubled")?.columns; // [{ name: "d", from: ["raw_numbers.n"] }]
 */
export class SqlProjectAnalysis {
  private entries = new Map<string, Entry>();
  private byFile = new Map<string, SqlAssetInfo[]>();
  /** How many assets the last update resolved (the rest were unchanged): for tests and the bench. */
  resolvedLastUpdate = 0;

  /** Resolves what changed; returns the files whose SQL diagnostics changed. */
  update(model: Pick<ProjectModel, "assets">, factsOf: (file: string) => FileFacts | undefined): Set<string> {
    const previous = this.entries;
    const next = new Map<string, Entry>();
    const visiting = new Set<string>();
    this.resolvedLastUpdate = 0;
    const compute = (node: AssetNode): Entry | undefined => {
      const done = next.get(node.key);
      if (done) return done;
      const sql = node.definition.api === "sqlAsset" ? node.definition.sql : undefined;
      const facts = sql && factsOf(node.location.file);
      if (!sql || !facts || visiting.has(node.key)) return undefined;
      visiting.add(node.key);
      // The signature first (a string per asset): most assets are unchanged by an edit and stop here.
      let signature = "";
      const upstreams: (Entry | undefined)[] = [];
      for (let index = 0; index < sql.substitutions.length; index++) {
        const resolution = node.sqlSubstitutions?.[index];
        if (resolution?.kind === "asset") {
          const upstreamNode = model.assets.get(resolution.key);
          const upstream = upstreamNode && compute(upstreamNode);
          upstreams.push(upstream);
          signature += `${resolution.key}:${upstream?.columnsSignature ?? "?"}\n`;
        } else {
          upstreams.push(undefined);
          signature += resolution?.kind === "missing" || resolution?.kind === "not-asset" ? `${resolution.kind}:${resolution.name}\n` : "-\n";
        }
      }
      visiting.delete(node.key);
      const old = previous.get(node.key);
      let entry: Entry;
      if (old && old.sql === sql && old.signature === signature && old.info.file === node.location.file) entry = old;
      else {
        this.resolvedLastUpdate++;
        const placeholders = new Map<string, PlaceholderTarget>();
        const parameters = new Set<string>();
        for (const [index, substitution] of sql.substitutions.entries()) {
          const resolution = node.sqlSubstitutions?.[index];
          const upstream = upstreams[index];
          if (resolution?.kind === "asset") placeholders.set(substitution.placeholder, { key: resolution.key, ...(upstream?.lineage ? { columns: upstream.lineage } : {}) });
          else parameters.add(substitution.placeholder);
        }
        entry = resolve(node, sql, facts, placeholders, parameters, signature);
      }
      next.set(node.key, entry);
      return entry;
    };
    for (const node of model.assets.values()) compute(node);

    const changed = new Set<string>();
    for (const [key, entry] of next) if (previous.get(key) !== entry) changed.add(entry.info.file);
    for (const [key, entry] of previous) if (next.get(key) !== entry) changed.add(entry.info.file);
    this.entries = next;
    this.byFile = new Map();
    for (const entry of next.values()) {
      const list = this.byFile.get(entry.info.file);
      if (list) list.push(entry.info);
      else this.byFile.set(entry.info.file, [entry.info]);
    }
    return changed;
  }

  /** The analysis of the SQL asset `key`, if it is one. */
  asset(key: string): SqlAssetInfo | undefined {
    return this.entries.get(key)?.info;
  }

  /** Every analysed SQL asset. */
  assets(): SqlAssetInfo[] {
    return [...this.entries.values()].map((e) => e.info);
  }

  /** The SQL assets declared in `file`. */
  inFile(file: string): readonly SqlAssetInfo[] {
    return this.byFile.get(file) ?? [];
  }

  /** The SQL diagnostics of `file`. */
  diagnostics(file: string): AnalysisDiagnostic[] {
    return this.inFile(file).flatMap((info) => info.diagnostics);
  }

  /** The SQL asset whose query holds `position`, and the column reference or output column there. */
  at(file: string, position: Position): { info: SqlAssetInfo; ref?: SqlColumnRefInfo; column?: SqlColumnInfo } | undefined {
    const info = this.inFile(file).find((i) => spanContains(i.span, position));
    if (!info) return undefined;
    const ref = info.refs.find((r) => spanContains(r.span, position));
    if (ref) return { info, ref };
    const column = info.columns?.find((c) => c.location && c.location.file === file && spanContains(c.location.span, position));
    return column ? { info, column } : { info };
  }
}

function resolve(node: AssetNode, sql: SqlTemplateFact, facts: FileFacts, placeholders: Map<string, PlaceholderTarget>,
  parameters: Set<string>, signature: string): Entry {
  const file = node.location.file;
  const toSpan = (start: number, end: number): Span => ({ start: positionAt(facts.lineStarts, sql.offset + start), end: positionAt(facts.lineStarts, sql.offset + end) });
  const info: SqlAssetInfo = {
    key: node.key, file, refs: [], diagnostics: [], span: toSpan(0, sql.text.length),
    upstreams: [...new Set([...placeholders.values()].map((p) => p.key))],
  };
  let read = parses.get(sql);
  if (!read) {
    read = readSqlQuery(sql.text);
    parses.set(sql, read);
  }
  if ("error" in read) {
    const at = read.error.offset;
    const word = /^[\w$]+/.exec(sql.text.slice(at))?.[0].length ?? 1;
    info.diagnostics.push({
      file, span: toSpan(at, Math.min(sql.text.length, at + word)), severity: "error", code: "sql-syntax",
      message: `SQL syntax error in ${node.key}: ${read.error.message} (PostgreSQL's parser)`,
    });
    return { sql, signature, info, columnsSignature: "?" };
  }
  const analysis = analyzeColumns(read.query, placeholders, parameters);
  for (const problem of analysis.problems) {
    info.diagnostics.push({
      file, span: toSpan(problem.start, problem.end), severity: "error", code: problem.code, message: problem.message,
      ...(problem.suggestion !== undefined ? { data: { replacement: problem.suggestion } } : {}),
    });
  }
  // `${x}` read as a table where x is not an asset: an unknown upstream.
  const reported = new Set<string>();
  for (const table of analysis.tablePlaceholders) {
    const index = sql.substitutions.findIndex((s) => s.placeholder === table.placeholder);
    const resolution = node.sqlSubstitutions?.[index];
    const substitution = sql.substitutions[index];
    if (!substitution || reported.has(table.placeholder) || (resolution?.kind !== "missing" && resolution?.kind !== "not-asset")) continue;
    reported.add(table.placeholder);
    const suggestion = resolution.kind === "missing" ? suggestLocalName(facts, resolution.name) : undefined;
    const why = resolution.kind === "missing" ? "is not an asset Tributary can find" : "is not an asset";
    const hint = suggestion !== undefined ? `; did you mean \`${suggestion}\`?` : "; interpolate an asset (imported from its file) to read its table";
    info.diagnostics.push({
      file, span: substitution.ref.span, severity: "error", code: "unknown-upstream",
      message: `\`${resolution.name}\` is read as a table in the query of ${node.key} but ${why}${hint}`,
      ...(suggestion !== undefined ? { data: { replacement: suggestion } } : {}),
    });
  }
  for (const ref of analysis.refs) {
    info.refs.push({ span: toSpan(ref.start, ref.end), column: ref.column, from: ref.from, ...(ref.type ? { type: ref.type } : {}), ...(ref.target ? { target: ref.target } : {}) });
  }
  if (analysis.columns) {
    info.columns = analysis.columns.map((c) => ({
      name: c.name, ...(c.type ? { type: c.type } : {}), from: c.from,
      ...(c.start !== undefined && c.end !== undefined ? { location: { file, span: toSpan(c.start, c.end) } } : {}),
    }));
  }
  const lineage = analysis.columns;
  return {
    sql, signature, info, ...(lineage ? { lineage } : {}),
    columnsSignature: lineage ? lineage.map((c) => `${c.name}:${c.type ?? ""}`).join(",") : "?",
  };
}

/** The closest name a file can use for an asset (its own asset variables and its imports), for an unknown `${name}`. */
function suggestLocalName(facts: FileFacts, name: string): string | undefined {
  const names = new Set<string>();
  for (const definition of facts.definitions) if (isAssetDefinition(definition) && definition.variable !== undefined) names.add(definition.variable);
  for (const entry of facts.imports) if (entry.imported !== "*") names.add(entry.local);
  return suggestName(name, [...names].sort());
}
