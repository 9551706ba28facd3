/**
 * One entry point for "which assets does this selection mean?", whatever form the selection has.
 */
import type { SelectionAst } from "./ast";
import { AssetSelection } from "./builders";
import { evaluateSelection } from "./evaluate";
import type { SelectableGraph } from "./graph";
import { parseSelection } from "./parser";

/** A selection in any of its forms: a string, a builder, or a parsed tree. */
export type SelectionInput = string | AssetSelection | SelectionAst;

/**
 * The keys a selection selects in `graph`, as a Set iterating in the graph's topological order
 * (parents before children; see `topologicalOrder`). Keys missing from the graph select nothing;
 * use `unknownKeys` to warn about them.
 *
 * @throws SelectionSyntaxError when given a string that does not parse.
 * @example
 * resolveSelection("+stg_orders", graph) // Set { "raw_orders", "stg_orders" }
 * resolveSelection(AssetSelection.groups("staging").downstream(1), graph)
 */
export function resolveSelection(selection: SelectionInput, graph: SelectableGraph): Set<string> {
  return evaluateSelection(toSelectionAst(selection), graph);
}

/** The parsed tree of a selection in any of its forms. */
export function toSelectionAst(selection: SelectionInput): SelectionAst {
  if (typeof selection === "string") return parseSelection(selection);
  if (selection instanceof AssetSelection) return selection.ast;
  if (selection !== null && typeof selection === "object" && "ast" in selection) {
    // An AssetSelection from another copy of this module (the language server bundles its own).
    return (selection as { ast: SelectionAst }).ast;
  }
  if (selection !== null && typeof selection === "object" && typeof (selection as SelectionAst).type === "string") return selection;
  throw new TypeError(`Expected a selection string, an AssetSelection or a selection tree, got ${selection === null ? "null" : typeof selection}`);
}
