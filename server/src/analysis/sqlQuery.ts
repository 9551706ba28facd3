/**
 * The shape of a SQL query that column analysis needs, read from PostgreSQL's parse tree: for each
 * SELECT, its sources (FROM items, CTEs), its output expressions and every column reference with
 * its position. Nothing here knows about assets; {@link ./sqlColumns} resolves the shape against
 * the upstreams' columns.
 */
import { byteOffsetMapper, parseSql, type SqlSyntaxError } from "./sqlParser";

/** A column reference (`amount`, `o.amount`), with its offsets in the query text. */
export interface SqlColumnRef {
  qualifier?: string;
  column: string;
  start: number;
  end: number;
  /** Where it is written: an output expression, or ORDER BY / GROUP BY (which may name output columns). */
  role: "expression" | "output-name";
}

/** A FROM item, or a CTE. */
export interface SqlSource {
  /** The name the query refers to it by: its alias, else the table's name. */
  name: string;
  /** The table name as written (a placeholder for `${asset}`), for tables. */
  table?: string;
  schema?: string;
  /** Offsets of the table name (or the subquery), for diagnostics. */
  start: number;
  end: number;
  /** A subquery in FROM (or a CTE's body once resolved). */
  query?: SqlQueryShape;
  /** `alias(c1, c2)` column aliases. */
  columnAliases?: string[];
  /** A function in FROM, VALUES, ...: columns unknown. */
  opaque?: true;
}

/** One output expression of a SELECT. */
export interface SqlTarget {
  /** The output name: its alias, or PostgreSQL's name for the expression; undefined for `*`. */
  name?: string;
  /** `*` or `t.*`. */
  star?: { qualifier?: string };
  /** Offsets of the whole target (alias included). */
  start: number;
  end: number;
  /** Column references inside the expression. */
  refs: SqlColumnRef[];
  /** The type when the expression says it: a cast, a literal, count(*)... */
  type?: string;
  /** The expression is a plain column reference (its type is the column's). */
  bare?: true;
}

/** A SELECT (or a set operation of SELECTs), as far as columns are concerned. */
export type SqlQueryShape =
  | {
    kind: "select";
    ctes: SqlSource[];
    sources: SqlSource[];
    /** Column names of JOIN ... USING (...) and whether a NATURAL join is present: not ambiguous. */
    usingColumns: string[];
    natural: boolean;
    targets: SqlTarget[];
    /** References outside the targets: WHERE, JOIN ON, GROUP BY, HAVING, ORDER BY, window clauses. */
    refs: SqlColumnRef[];
  }
  | { kind: "setop"; ctes: SqlSource[]; left: SqlQueryShape; right: SqlQueryShape }
  /** Something whose columns are not read (VALUES, a statement that is not a query). */
  | { kind: "opaque" };

/** The outcome of reading a query text. */
export type SqlReadResult = { query: SqlQueryShape } | { error: SqlSyntaxError };

type Node = Record<string, unknown>;

/** Parses a query text and reads its shape. Offsets are UTF-16 offsets in `text`. */
export function readSqlQuery(text: string): SqlReadResult {
  const parsed = parseSql(text);
  if ("error" in parsed) return parsed;
  const statements = parsed.tree.stmts ?? [];
  const toOffset = byteOffsetMapper(text);
  if (statements.length !== 1) {
    return { error: { message: statements.length === 0 ? "The query is empty: write a SELECT" : "A SQL asset's query is one statement; remove the extra statements", offset: 0 } };
  }
  const statement = statements[0]?.stmt ?? {};
  const reader = new ShapeReader(text, toOffset);
  return { query: statement.SelectStmt ? reader.select(statement.SelectStmt as Node) : { kind: "opaque" } };
}

class ShapeReader {
  constructor(private readonly text: string, private readonly toOffset: (byte: number) => number) {}

  select(node: Node): SqlQueryShape {
    const ctes = this.ctes(node.withClause as Node | undefined);
    const op = node.op as string | undefined;
    if (op && op !== "SETOP_NONE") {
      return { kind: "setop", ctes, left: this.select(node.larg as Node), right: this.select(node.rarg as Node) };
    }
    if (node.valuesLists) return { kind: "opaque" };
    const shape = { kind: "select" as const, ctes, sources: [] as SqlSource[], usingColumns: [] as string[], natural: false, targets: [] as SqlTarget[], refs: [] as SqlColumnRef[] };
    for (const item of (node.fromClause as Node[] | undefined) ?? []) this.fromItem(item, shape);
    for (const entry of (node.targetList as Node[] | undefined) ?? []) shape.targets.push(this.target(entry.ResTarget as Node));
    for (const clause of [node.whereClause, node.havingClause, node.distinctClause, node.windowClause]) this.collect(clause, shape.refs, "expression");
    for (const clause of [node.groupClause, node.sortClause]) this.collect(clause, shape.refs, "output-name");
    return shape;
  }

  private ctes(withClause: Node | undefined): SqlSource[] {
    const result: SqlSource[] = [];
    for (const entry of (withClause?.ctes as Node[] | undefined) ?? []) {
      const cte = entry.CommonTableExpr as Node;
      const body = cte.ctequery as Node;
      const start = this.offset(cte.location);
      const name = cte.ctename as string;
      result.push({
        name, start, end: start + name.length,
        query: body.SelectStmt ? this.select(body.SelectStmt as Node) : { kind: "opaque" },
        ...optionalAliases(cte.aliascolnames as Node[] | undefined),
      });
    }
    return result;
  }

  private fromItem(item: Node, shape: Extract<SqlQueryShape, { kind: "select" }>): void {
    if (item.RangeVar) {
      const range = item.RangeVar as Node;
      const table = range.relname as string;
      const alias = range.alias as Node | undefined;
      const start = this.offset(range.location);
      shape.sources.push({
        name: (alias?.aliasname as string | undefined) ?? table, table, start, end: start + this.wordLength(start),
        ...(range.schemaname ? { schema: range.schemaname as string } : {}),
        ...optionalAliases(alias?.colnames as Node[] | undefined),
      });
    } else if (item.JoinExpr) {
      const join = item.JoinExpr as Node;
      this.fromItem(join.larg as Node, shape);
      this.fromItem(join.rarg as Node, shape);
      if (join.isNatural) shape.natural = true;
      for (const name of (join.usingClause as Node[] | undefined) ?? []) shape.usingColumns.push((name.String as Node).sval as string);
      this.collect(join.quals, shape.refs, "expression");
    } else if (item.RangeSubselect) {
      const sub = item.RangeSubselect as Node;
      const alias = sub.alias as Node | undefined;
      const query = sub.subquery as Node;
      shape.sources.push({
        name: (alias?.aliasname as string | undefined) ?? "", start: 0, end: 0,
        query: query.SelectStmt ? this.select(query.SelectStmt as Node) : { kind: "opaque" },
        ...optionalAliases(alias?.colnames as Node[] | undefined),
      });
    } else {
      // RangeFunction, RangeTableSample, JSON_TABLE...: their columns are not read.
      const inner = Object.values(item)[0] as Node | undefined;
      const alias = (inner?.alias as Node | undefined)?.aliasname as string | undefined;
      const relation = inner?.relation as Node | undefined;
      if (relation?.RangeVar) {
        // TABLESAMPLE wraps a plain table.
        this.fromItem(relation, shape);
        return;
      }
      shape.sources.push({ name: alias ?? "", start: 0, end: 0, opaque: true });
    }
  }

  private target(node: Node): SqlTarget {
    const start = this.offset(node.location);
    const value = node.val as Node;
    const refs: SqlColumnRef[] = [];
    const columnRef = value.ColumnRef as Node | undefined;
    const fields = (columnRef?.fields as Node[] | undefined) ?? [];
    const last = fields[fields.length - 1];
    if (last && last.A_Star) {
      const qualifier = fields.length > 1 ? ((fields[0] as Node).String as Node).sval as string : undefined;
      return { star: qualifier !== undefined ? { qualifier } : {}, start, end: start + 1, refs };
    }
    this.collect(value, refs, "expression");
    const name = (node.name as string | undefined) ?? figureName(value);
    const type = typeOf(value);
    const end = endOfTarget(this.text, start, refs, node.name as string | undefined);
    return { ...(name !== undefined ? { name } : {}), start, end, refs, ...(type ? { type } : {}), ...(columnRef ? { bare: true as const } : {}) };
  }

  /** Every column reference under `node`; subqueries in expressions are their own scope and skipped. */
  private collect(node: unknown, into: SqlColumnRef[], role: SqlColumnRef["role"]): void {
    if (node === null || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) this.collect(node[i], into, role);
      return;
    }
    // A parse tree node is `{ Kind: { ...fields } }`: look at the kind before walking the fields.
    const record = node as Node;
    const subLink = record.SubLink as Node | undefined;
    if (subLink) {
      this.collect(subLink.testexpr, into, role);
      return;
    }
    const columnRef = record.ColumnRef as Node | undefined;
    if (columnRef) {
      this.columnRef(columnRef, into, role);
      return;
    }
    for (const key in record) {
      const value = record[key];
      if (value !== null && typeof value === "object") this.collect(value, into, role);
    }
  }

  private columnRef(ref: Node, into: SqlColumnRef[], role: SqlColumnRef["role"]): void {
    const fields = ref.fields as Node[];
    const names: string[] = [];
    for (const field of fields) {
      const name = (field.String as Node | undefined)?.sval as string | undefined;
      if (name === undefined) return; // `t.*` in an expression
      names.push(name);
    }
    const start = this.offset(ref.location);
    const column = names[names.length - 1] as string;
    into.push({
      ...(names.length > 1 ? { qualifier: names[names.length - 2] as string } : {}),
      column, start, end: start + this.refLength(start), role,
    });
  }

  private offset(location: unknown): number {
    return this.toOffset(typeof location === "number" && location >= 0 ? location : 0);
  }

  /** Length of the identifier (possibly quoted) at `start`. */
  private wordLength(start: number): number {
    return matchLength(IDENTIFIER, this.text, start);
  }

  /** Length of a (possibly qualified) column reference at `start`. */
  private refLength(start: number): number {
    return matchLength(QUALIFIED_IDENTIFIER, this.text, start);
  }
}

const IDENTIFIER = /(?:"(?:[^"]|"")*"|[\w$]+)/y;
const QUALIFIED_IDENTIFIER = /(?:(?:"(?:[^"]|"")*"|[\w$]+)\s*\.\s*)*(?:"(?:[^"]|"")*"|[\w$]+)/y;

/** Length of the match of a sticky `pattern` at `start` (at least 1). */
function matchLength(pattern: RegExp, text: string, start: number): number {
  pattern.lastIndex = start;
  const match = pattern.exec(text);
  return match ? match[0].length : 1;
}

function optionalAliases(names: Node[] | undefined): { columnAliases?: string[] } {
  return names && names.length > 0 ? { columnAliases: names.map((n) => (n.String as Node).sval as string) } : {};
}

/** PostgreSQL's name for an unaliased output expression (FigureColname in parse_target.c, in short). */
function figureName(value: Node): string {
  if (value.ColumnRef) {
    const fields = (value.ColumnRef as Node).fields as Node[];
    return ((fields[fields.length - 1] as Node).String as Node).sval as string;
  }
  if (value.FuncCall) {
    const names = (value.FuncCall as Node).funcname as Node[];
    return ((names[names.length - 1] as Node).String as Node).sval as string;
  }
  if (value.TypeCast) {
    const inner = figureName((value.TypeCast as Node).arg as Node);
    return inner === "?column?" ? typeName((value.TypeCast as Node).typeName as Node) ?? inner : inner;
  }
  if (value.CoalesceExpr) return "coalesce";
  if (value.CaseExpr) return "case";
  if (value.MinMaxExpr) return ((value.MinMaxExpr as Node).op as string) === "IS_GREATEST" ? "greatest" : "least";
  if (value.A_Indirection) {
    const indirection = (value.A_Indirection as Node).indirection as Node[];
    const last = indirection[indirection.length - 1] as Node;
    if (last.String) return (last.String as Node).sval as string;
  }
  return "?column?";
}

/** The type an expression states: a cast, a literal, count(...). Undefined when it does not say. */
function typeOf(value: Node): string | undefined {
  if (value.TypeCast) return typeName((value.TypeCast as Node).typeName as Node);
  if (value.A_Const) {
    const constant = value.A_Const as Node;
    if (constant.ival) return "integer";
    if (constant.fval) return "numeric";
    if (constant.sval) return "text";
    if (constant.boolval) return "boolean";
    return undefined;
  }
  if (value.FuncCall) {
    const names = ((value.FuncCall as Node).funcname as Node[]).map((n) => (n.String as Node).sval as string);
    if (names[names.length - 1] === "count") return "bigint";
  }
  if (value.BoolExpr || value.NullTest || value.BooleanTest) return "boolean";
  return undefined;
}

/** `numeric(10, 2)` -> "numeric", `pg_catalog.int4` -> "integer": the name a user would write. */
function typeName(node: Node | undefined): string | undefined {
  const names = ((node?.names as Node[] | undefined) ?? []).map((n) => (n.String as Node).sval as string);
  const last = names[names.length - 1];
  if (last === undefined) return undefined;
  return CATALOG_TYPE_NAMES[last] ?? last;
}

const CATALOG_TYPE_NAMES: Record<string, string> = {
  int2: "smallint", int4: "integer", int8: "bigint", float4: "real", float8: "double precision",
  bool: "boolean", varchar: "character varying", bpchar: "character", timestamptz: "timestamp with time zone",
  timestamp: "timestamp", numeric: "numeric",
};

/** Where a target ends: after its alias when it has one, else after its last column reference or first word. */
function endOfTarget(text: string, start: number, refs: SqlColumnRef[], alias: string | undefined): number {
  let end = start + 1;
  for (const ref of refs) if (ref.end > end) end = ref.end;
  if (alias !== undefined) {
    // The parse tree has no position for the alias: it is the first whole word equal to it after the expression.
    for (let at = text.indexOf(alias, end); at >= 0 && at < end + 400; at = text.indexOf(alias, at + 1)) {
      if (!isWordChar(text.charCodeAt(at - 1)) && !isWordChar(text.charCodeAt(at + alias.length))) {
        end = at + alias.length;
        break;
      }
    }
  }
  return Math.min(end, text.length);
}

function isWordChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 36;
}
