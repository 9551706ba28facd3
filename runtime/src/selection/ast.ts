/**
 * The typed syntax tree of a selection string.
 *
 * Terminology:
 * - a *selection* is a string such as `+stg_orders and group:staging` (or the tree parsed from it);
 *   evaluated against an asset graph it yields a set of asset keys.
 * - a *leaf* selects assets by one attribute: `key:`, `group:`, `tag:`, `owner:`, `kind:`, `job:` or `*`.
 * - a *traversal* widens a selection to ancestors (`+x`, `2+x`) and/or descendants (`x+`, `x+1`).
 *
 * Every node carries `start`/`end`: 0-based offsets into the parsed string, `end` exclusive, so the
 * language server and the lineage filter box can point at the exact part. Parentheses are not nodes:
 * a parenthesized selection keeps the offsets of what is inside the parentheses, and the range of
 * its parent spans them (in `(a or b) and c` the `and` node covers the whole string).
 * Trees built in code (not parsed) have offsets 0/0; compare trees with {@link astEquals}.
 */

/** 0-based source range of a node; `end` is exclusive. */
export interface SourceRange {
  start: number;
  end: number;
}

/** `*`: every asset of the graph. */
export interface AllNode extends SourceRange {
  type: "all";
}

/**
 * `raw_orders`, `key:raw_orders`, `key:"my asset"`, `key:stg_*`. A `*` in `key` is always a wildcard
 * that matches any run of characters, `/` included.
 */
export interface KeyNode extends SourceRange {
  type: "key";
  key: string;
}

/**
 * `group:staging`: assets whose group is exactly `group`. A `*` in `group` is a wildcard, as in keys
 * (`group:"team_*"`, `group:"*"`), as in Dagster.
 */
export interface GroupNode extends SourceRange {
  type: "group";
  group: string;
}

/** `tag:pii` (tag present, any value; `value` is null) or `tag:tier=gold` (tag with that value). */
export interface TagNode extends SourceRange {
  type: "tag";
  tagKey: string;
  value: string | null;
}

/** `owner:team:finance`, `owner:alice@example.com`: assets listing that owner. */
export interface OwnerNode extends SourceRange {
  type: "owner";
  owner: string;
}

/** `kind:sql`: assets listing that kind. */
export interface KindNode extends SourceRange {
  type: "kind";
  kind: string;
}

/**
 * `job:nightly`: the assets the job named `job` selects (its own selection, resolved against the
 * same graph). A name that is no job selects nothing.
 */
export interface JobNode extends SourceRange {
  type: "job";
  job: string;
}

/** How far a traversal goes: a number of levels, or `"all"` (no limit). */
export type TraversalDepth = number | "all";

/**
 * `+x` (up: "all"), `2+x` (up: 2), `x+` (down: "all"), `x+1` (down: 1), `1+x+2`. The result holds the
 * operand itself plus the ancestors/descendants reached. A side that is absent is `null`.
 */
export interface TraversalNode extends SourceRange {
  type: "traversal";
  operand: SelectionAst;
  up: TraversalDepth | null;
  down: TraversalDepth | null;
}

/** `roots(sel)` / `sinks(sel)`: the assets of `sel` with no parent / no child inside `sel`. */
export interface FunctionNode extends SourceRange {
  type: "function";
  name: SelectionFunctionName;
  operand: SelectionAst;
}

/** `not sel`: every asset of the graph that `sel` does not select. */
export interface NotNode extends SourceRange {
  type: "not";
  operand: SelectionAst;
}

/**
 * `a and b and c` / `a or b or c`. A chain of one operator without parentheses is one node with all
 * its operands (at least two), so that long generated selections stay shallow trees.
 */
export interface AndNode extends SourceRange {
  type: "and";
  operands: SelectionAst[];
}

/** See {@link AndNode}. */
export interface OrNode extends SourceRange {
  type: "or";
  operands: SelectionAst[];
}

/** A leaf: selects assets by one attribute. */
export type LeafNode = AllNode | KeyNode | GroupNode | TagNode | OwnerNode | KindNode | JobNode;

/** Any node of a parsed selection. */
export type SelectionAst = LeafNode | TraversalNode | FunctionNode | NotNode | AndNode | OrNode;

/** The attributes a selection can filter on, as written before `:`. */
export const SELECTION_ATTRIBUTES = ["key", "group", "tag", "owner", "kind", "job"] as const;
/** One of {@link SELECTION_ATTRIBUTES}. */
export type SelectionAttribute = (typeof SELECTION_ATTRIBUTES)[number];

/** The functions a selection can call. */
export const SELECTION_FUNCTIONS = ["roots", "sinks"] as const;
/** One of {@link SELECTION_FUNCTIONS}. */
export type SelectionFunctionName = (typeof SELECTION_FUNCTIONS)[number];

/** The operator keywords (matched case-insensitively). */
export const SELECTION_KEYWORDS = ["and", "or", "not"] as const;

/**
 * Structural equality of two trees, ignoring source offsets.
 *
 * @example
 * astEquals(parse("a or b and c"), parse("a or (b and c)")) // true
 */
export function astEquals(a: SelectionAst, b: SelectionAst): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case "all":
      return true;
    case "key":
      return a.key === (b as KeyNode).key;
    case "group":
      return a.group === (b as GroupNode).group;
    case "tag":
      return a.tagKey === (b as TagNode).tagKey && a.value === (b as TagNode).value;
    case "owner":
      return a.owner === (b as OwnerNode).owner;
    case "kind":
      return a.kind === (b as KindNode).kind;
    case "job":
      return a.job === (b as JobNode).job;
    case "traversal": {
      const other = b as TraversalNode;
      return a.up === other.up && a.down === other.down && astEquals(a.operand, other.operand);
    }
    case "function": {
      const other = b as FunctionNode;
      return a.name === other.name && astEquals(a.operand, other.operand);
    }
    case "not":
      return astEquals(a.operand, (b as NotNode).operand);
    case "and":
    case "or": {
      const others = (b as AndNode | OrNode).operands;
      return a.operands.length === others.length && a.operands.every((operand, i) => astEquals(operand, others[i]!));
    }
  }
}

/** Calls `visit` on every node of the tree, parents before children. */
export function walkAst(ast: SelectionAst, visit: (node: SelectionAst) => void): void {
  visit(ast);
  switch (ast.type) {
    case "traversal":
    case "function":
    case "not":
      walkAst(ast.operand, visit);
      break;
    case "and":
    case "or":
      for (const operand of ast.operands) walkAst(operand, visit);
      break;
    default:
      break;
  }
}
