/**
 * Column analysis of one SQL asset: resolves the shape of its query ({@link ./sqlQuery}) against the
 * columns of its upstreams, giving its output columns with their lineage (the upstream columns each
 * is computed from), every column reference resolved, and the problems: unknown and ambiguous
 * columns. Columns of an upstream that are not statically known are never guessed: references into
 * it are not checked, and a `*` over it leaves the asset's own columns unknown.
 */
import { suggestName } from "./selection";
import type { SqlColumnRef, SqlQueryShape, SqlSource, SqlTarget } from "./sqlQuery";

/** A column with its lineage. */
export interface LineageColumn {
  name: string;
  /** The type when known (stated by a cast or a literal, or passed through from the upstream). */
  type?: string;
  /** Upstream columns it is computed from, as `"<asset key>.<column>"`, sorted. */
  from: string[];
  /** Offsets of its output expression in the query text, for go-to-definition. */
  start?: number;
  end?: number;
}

/** What a `${...}` placeholder of the query stands for. */
export interface PlaceholderTarget {
  /** The upstream's asset key. */
  key: string;
  /** Its columns, when statically known. */
  columns?: readonly LineageColumn[];
}

/** A column reference as resolved: the upstream columns it reads. */
export interface ResolvedColumnRef {
  start: number;
  end: number;
  column: string;
  /** Upstream columns read (`key.column`); empty when not an asset's column (a CTE's constant...). */
  from: string[];
  type?: string;
  /** The upstream asset and column it names directly, for go-to-definition. */
  target?: { key: string; column: string };
}

/** A problem in the query, by offsets in its text. */
export interface ColumnProblem {
  start: number;
  end: number;
  code: "unknown-column" | "ambiguous-column";
  message: string;
  suggestion?: string;
}

/** The result of {@link analyzeColumns}. */
export interface ColumnAnalysis {
  /** Output columns; undefined when they cannot be known statically. */
  columns?: LineageColumn[];
  refs: ResolvedColumnRef[];
  problems: ColumnProblem[];
  /** Placeholders that sit where a table is read (these must be assets). */
  tablePlaceholders: { placeholder: string; start: number; end: number }[];
}

/** A source in scope, with its columns resolved. */
interface ScopeItem {
  name: string;
  /** How messages name it: its alias, else the asset key or the table name (never a placeholder). */
  label: string;
  /** The asset it reads, for placeholders. */
  key?: string;
  columns?: readonly LineageColumn[];
}

/**
 * Resolves `query` where `placeholders` maps each placeholder identifier to the upstream asset it
 * stands for (identifiers absent from the map are bound parameters or unknown upstreams).
 */
export function analyzeColumns(query: SqlQueryShape, placeholders: ReadonlyMap<string, PlaceholderTarget>, parameters: ReadonlySet<string>): ColumnAnalysis {
  const analysis: ColumnAnalysis = { refs: [], problems: [], tablePlaceholders: [] };
  const columns = new Resolver(analysis, placeholders, parameters).query(query, new Map());
  if (columns) analysis.columns = columns;
  return analysis;
}

class Resolver {
  constructor(private readonly analysis: ColumnAnalysis, private readonly placeholders: ReadonlyMap<string, PlaceholderTarget>,
    private readonly parameters: ReadonlySet<string>) {}

  query(query: SqlQueryShape, outerCtes: ReadonlyMap<string, ScopeItem>): LineageColumn[] | undefined {
    if (query.kind === "opaque") return undefined;
    const ctes = new Map(outerCtes);
    for (const cte of query.ctes) {
      const columns = cte.query ? this.query(cte.query, ctes) : undefined;
      ctes.set(cte.name, { name: cte.name, label: cte.name, ...optionalColumns(renamed(columns, cte.columnAliases)) });
    }
    if (query.kind === "setop") {
      const left = this.query(query.left, ctes);
      const right = this.query(query.right, ctes);
      if (!left) return undefined;
      return left.map((column, i) => ({ ...column, from: union(column.from, right?.[i]?.from ?? []) }));
    }
    const scope = query.sources.map((source) => this.source(source, ctes));
    const outputs: LineageColumn[] = [];
    let known = true;
    for (const target of query.targets) {
      if (target.star) {
        const expanded = this.star(target, scope);
        if (expanded) outputs.push(...expanded);
        else known = false;
        continue;
      }
      const from: string[] = [];
      let passedType: string | undefined;
      for (const ref of target.refs) {
        const resolved = this.ref(ref, scope, undefined, query);
        if (!resolved) continue;
        from.push(...resolved.from);
        if (target.refs.length === 1 && resolved.type) passedType = resolved.type;
      }
      const type = target.type ?? (isBareColumn(target) ? passedType : undefined);
      outputs.push({ name: target.name ?? "?column?", ...(type ? { type } : {}), from: union(from, []), start: target.start, end: target.end });
    }
    const outputNames = new Set(outputs.map((c) => c.name));
    for (const ref of query.refs) this.ref(ref, scope, ref.role === "output-name" ? outputNames : undefined, query);
    return known ? outputs : undefined;
  }

  private source(source: SqlSource, ctes: ReadonlyMap<string, ScopeItem>): ScopeItem {
    const label = source.name || "a subquery";
    if (source.opaque) return { name: source.name, label };
    if (source.query) return { name: source.name, label, ...optionalColumns(renamed(this.query(source.query, ctes), source.columnAliases)) };
    const table = source.table as string;
    const upstream = source.schema === undefined ? this.placeholders.get(table) : undefined;
    if (upstream || (source.schema === undefined && this.parameters.has(table))) {
      this.analysis.tablePlaceholders.push({ placeholder: table, start: source.start, end: source.end });
    }
    // Columns pass through an upstream with their lineage pointing at the upstream itself.
    const name = source.name === table && upstream ? table : source.name;
    if (upstream) {
      const columns = upstream.columns?.map((c) => ({ name: c.name, ...(c.type ? { type: c.type } : {}), from: [`${upstream.key}.${c.name}`] }));
      return { name, label: source.name === table ? upstream.key : source.name, key: upstream.key, ...optionalColumns(renamed(columns, source.columnAliases)) };
    }
    const cte = source.schema === undefined ? ctes.get(table) : undefined;
    if (cte) return { name, label, ...optionalColumns(renamed(cte.columns ? [...cte.columns] : undefined, source.columnAliases)) };
    return { name, label }; // a table outside the project: its columns are unknown
  }

  private star(target: SqlTarget, scope: ScopeItem[]): LineageColumn[] | undefined {
    const items = target.star?.qualifier === undefined ? scope : scope.filter((s) => s.name === target.star?.qualifier);
    if (items.length === 0 || items.some((item) => !item.columns)) return undefined;
    return items.flatMap((item) => (item.columns as LineageColumn[]).map((c) => ({
      name: c.name, ...(c.type ? { type: c.type } : {}), from: c.from, start: target.start, end: target.end,
    })));
  }

  /** Resolves one reference, reporting what is wrong with it; undefined when it reads nothing known. */
  private ref(ref: SqlColumnRef, scope: ScopeItem[], outputNames: ReadonlySet<string> | undefined, query: Extract<SqlQueryShape, { kind: "select" }>): ResolvedColumnRef | undefined {
    if (ref.qualifier === undefined && (this.parameters.has(ref.column) || this.placeholders.has(ref.column))) return undefined;
    const candidates = ref.qualifier === undefined ? scope : scope.filter((s) => s.name === ref.qualifier);
    // A qualifier naming nothing in this scope: an outer query's table, or a schema; not checked.
    if (candidates.length === 0) return undefined;
    if (outputNames?.has(ref.column) && ref.qualifier === undefined) return undefined;
    const matches = candidates.filter((c) => c.columns?.some((column) => column.name === ref.column));
    const unknown = candidates.filter((c) => !c.columns);
    if (matches.length > 1 && ref.qualifier === undefined && !query.natural && !query.usingColumns.includes(ref.column)) {
      this.analysis.problems.push({
        start: ref.start, end: ref.end, code: "ambiguous-column",
        message: `Column "${ref.column}" is ambiguous: ${matches.map((m) => `"${m.label}"`).join(" and ")} all have it; qualify it (${qualifierHint(matches[0])}.${ref.column})`,
      });
      return undefined;
    }
    const match = matches[0];
    if (match) {
      const column = match.columns?.find((c) => c.name === ref.column) as LineageColumn;
      const resolved: ResolvedColumnRef = {
        start: ref.start, end: ref.end, column: ref.column, from: column.from, ...(column.type ? { type: column.type } : {}),
        ...(match.key ? { target: { key: match.key, column: ref.column } } : {}),
      };
      this.analysis.refs.push(resolved);
      return resolved;
    }
    if (unknown.length > 0) {
      // The column may come from a source whose columns are unknown; only one such source is certain.
      const only = unknown.length === 1 && candidates.length === 1 ? unknown[0] : undefined;
      if (!only?.key) return undefined;
      const resolved: ResolvedColumnRef = { start: ref.start, end: ref.end, column: ref.column, from: [`${only.key}.${ref.column}`], target: { key: only.key, column: ref.column } };
      this.analysis.refs.push(resolved);
      return resolved;
    }
    const available = [...new Set(candidates.flatMap((c) => (c.columns ?? []).map((column) => column.name)))];
    const suggestion = suggestName(ref.column, available.sort());
    const where = candidates.length === 1 ? `"${candidates[0]?.label}"` : "the tables of this query";
    const hint = suggestion !== undefined ? `; did you mean "${suggestion}"?` : available.length > 0 ? `; it has ${available.slice(0, 8).map((n) => `"${n}"`).join(", ")}` : "";
    this.analysis.problems.push({
      start: ref.start + (ref.end - ref.start - ref.column.length), end: ref.end, code: "unknown-column",
      message: `Column "${ref.column}" does not exist in ${where}${hint}`,
      ...(suggestion !== undefined ? { suggestion } : {}),
    });
    return undefined;
  }
}

/** What to qualify a column of `item` with: its alias; an unaliased `${asset}` needs one first. */
function qualifierHint(item: ScopeItem | undefined): string {
  return item && item.name === item.label ? item.name : "an alias";
}

function isBareColumn(target: SqlTarget): boolean {
  return target.bare === true;
}

/** Applies `alias(c1, c2)` column aliases. */
function renamed(columns: LineageColumn[] | undefined, aliases: string[] | undefined): LineageColumn[] | undefined {
  if (!columns || !aliases) return columns;
  return columns.map((column, i) => ({ ...column, name: aliases[i] ?? column.name }));
}

function optionalColumns(columns: readonly LineageColumn[] | undefined): { columns?: readonly LineageColumn[] } {
  return columns ? { columns } : {};
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}
