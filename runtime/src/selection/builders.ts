/**
 * `AssetSelection`: selections built in code, for jobs, schedules and sensors. Each one is kept as
 * its canonical string (runs store selections as strings) and the tree parsed from that string, so
 * offsets are real and a builder selection behaves exactly like the string it prints.
 */
import { TributaryError } from "../errors";
import type { SelectionAst } from "./ast";
import { evaluateSelection } from "./evaluate";
import { formatSelection } from "./format";
import type { SelectableGraph } from "./graph";
import { parseSelection } from "./parser";

const ZERO = { start: 0, end: 0 };

/** `not *`: the empty selection, which has no syntax of its own. */
const NOTHING: SelectionAst = { type: "not", operand: { type: "all", ...ZERO }, ...ZERO };

/**
 * A selection of assets, built in code or parsed from a string.
 *
 * @example
 * const nightly = AssetSelection.groups("staging", "warehouse").minus(AssetSelection.tag("manual"));
 * nightly.toString() // "(group:staging or group:warehouse) and not tag:manual"
 * nightly.resolve(graph) // Set { "stg_orders", ... }
 */
export class AssetSelection {
  /** The canonical selection string. */
  private readonly text: string;
  /** The tree parsed from {@link AssetSelection.text}. */
  readonly ast: SelectionAst;

  private constructor(text: string, ast: SelectionAst) {
    this.text = text;
    this.ast = ast;
  }

  /** Wraps a tree built in code: formats it and reparses so offsets match the string. */
  private static of(ast: SelectionAst): AssetSelection {
    const text = formatSelection(ast);
    return new AssetSelection(text, parseSelection(text));
  }

  /** Every asset (`*`). */
  static all(): AssetSelection {
    return AssetSelection.of({ type: "all", ...ZERO });
  }

  /**
   * The assets with these keys (`a or b`). A `*` in a key is a wildcard. No keys selects nothing.
   *
   * @example
   * AssetSelection.keys("raw_orders", "warehouse/*").toString() // "raw_orders or warehouse/*"
   */
  static keys(...keys: string[]): AssetSelection {
    return AssetSelection.anyOf(keys.map((key) => ({ type: "key", key: nonEmpty(key, "AssetSelection.keys"), ...ZERO })));
  }

  /** The assets in any of these groups. A `*` in a group is a wildcard (`"team_*"`). No groups selects nothing. */
  static groups(...groups: string[]): AssetSelection {
    return AssetSelection.anyOf(groups.map((group) => ({ type: "group", group: nonEmpty(group, "AssetSelection.groups"), ...ZERO })));
  }

  /**
   * The assets that have tag `key` (any value), or, with `value`, that exact value.
   *
   * @example
   * AssetSelection.tag("pii").toString() // "tag:pii"
   * AssetSelection.tag("tier", "gold").toString() // "tag:tier=gold"
   */
  static tag(key: string, value?: string): AssetSelection {
    nonEmpty(key, "AssetSelection.tag");
    if (value === undefined && key.includes("=")) {
      throw new TributaryError(`AssetSelection.tag("${key}") cannot select a tag whose name contains "=" without a value`, {
        hint: `did you mean AssetSelection.tag("${key.slice(0, key.indexOf("="))}", "${key.slice(key.indexOf("=") + 1)}")?`,
      });
    }
    return AssetSelection.of({ type: "tag", tagKey: key, value: value ?? null, ...ZERO });
  }

  /** The assets listing this owner (`team:finance`, `alice@example.com`). */
  static owner(owner: string): AssetSelection {
    return AssetSelection.of({ type: "owner", owner: nonEmpty(owner, "AssetSelection.owner"), ...ZERO });
  }

  /** The assets listing this kind (`sql`, `python`, ...). */
  static kind(kind: string): AssetSelection {
    return AssetSelection.of({ type: "kind", kind: nonEmpty(kind, "AssetSelection.kind"), ...ZERO });
  }

  /**
   * Parses a selection string.
   *
   * @throws SelectionSyntaxError when it does not parse.
   * @example
   * AssetSelection.from("+stg_orders and not tag:manual")
   */
  static from(selection: string): AssetSelection {
    return AssetSelection.of(parseSelection(selection));
  }

  /**
   * This selection plus its ancestors, `depth` levels up (`+sel`, `2+sel`).
   *
   * @defaultValue depth: all levels
   */
  upstream(depth?: number): AssetSelection {
    return this.traverse(depth, "up");
  }

  /**
   * This selection plus its descendants, `depth` levels down (`sel+`, `sel+2`).
   *
   * @defaultValue depth: all levels
   */
  downstream(depth?: number): AssetSelection {
    return this.traverse(depth, "down");
  }

  /** The assets in both selections. */
  and(other: AssetSelection): AssetSelection {
    return AssetSelection.of(flatten("and", this.ast, other.ast));
  }

  /** The assets in either selection. */
  or(other: AssetSelection): AssetSelection {
    return AssetSelection.of(flatten("or", this.ast, other.ast));
  }

  /** The assets in this selection but not in `other` (`this and not other`). */
  minus(other: AssetSelection): AssetSelection {
    return AssetSelection.of(flatten("and", this.ast, { type: "not", operand: other.ast, ...ZERO }));
  }

  /** Every asset this selection does not select. */
  not(): AssetSelection {
    return AssetSelection.of({ type: "not", operand: this.ast, ...ZERO });
  }

  /** The assets of this selection with no parent inside it (`roots(sel)`). */
  roots(): AssetSelection {
    return AssetSelection.of({ type: "function", name: "roots", operand: this.ast, ...ZERO });
  }

  /** The assets of this selection with no child inside it (`sinks(sel)`). */
  sinks(): AssetSelection {
    return AssetSelection.of({ type: "function", name: "sinks", operand: this.ast, ...ZERO });
  }

  /** The canonical selection string; `AssetSelection.from(s.toString())` selects the same assets. */
  toString(): string {
    return this.text;
  }

  /** Serializes as the selection string. */
  toJSON(): string {
    return this.text;
  }

  /** The keys selected in `graph`, in the graph's topological order. */
  resolve(graph: SelectableGraph): Set<string> {
    return evaluateSelection(this.ast, graph);
  }

  private traverse(depth: number | undefined, direction: "up" | "down"): AssetSelection {
    if (depth !== undefined && !(Number.isInteger(depth) && depth >= 0)) {
      const method = direction === "up" ? "upstream" : "downstream";
      throw new TributaryError(`AssetSelection.${method}(${depth}): depth must be a whole number of levels, 0 or more`, {
        hint: `omit it for all levels, e.g. .${method}()`,
      });
    }
    const amount = depth ?? "all";
    return AssetSelection.of({
      type: "traversal",
      operand: this.ast,
      up: direction === "up" ? amount : null,
      down: direction === "down" ? amount : null,
      ...ZERO,
    });
  }

  private static anyOf(leaves: SelectionAst[]): AssetSelection {
    if (leaves.length === 0) return AssetSelection.of(NOTHING);
    if (leaves.length === 1) return AssetSelection.of(leaves[0]!);
    return AssetSelection.of({ type: "or", operands: leaves, ...ZERO });
  }
}

/** `a op b`, merging chains of the same operator so generated selections stay flat. */
function flatten(type: "and" | "or", left: SelectionAst, right: SelectionAst): SelectionAst {
  const operands = [left, right].flatMap((operand) => (operand.type === type ? operand.operands : [operand]));
  return { type, operands, ...ZERO };
}

function nonEmpty(value: string, method: string): string {
  if (typeof value !== "string" || value === "") {
    throw new TributaryError(`${method}() was given ${value === "" ? "an empty string" : typeof value}`, {
      hint: "pass non-empty strings, e.g. AssetSelection.keys(\"raw_orders\")",
    });
  }
  return value;
}
