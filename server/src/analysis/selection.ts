import * as selection from "tributary/selection";
import type { AssetNode } from "./model";

/** What the analysis needs to know about one selection string. */
export interface SelectionCheck {
  /** The parse error, with its 0-based offset in the string. */
  syntaxError?: { offset: number; message: string };
  /** `key:` leaves naming no asset (no wildcard), with offsets in the string. */
  unknownKeys: { key: string; start: number; end: number; suggestion?: string }[];
  /** Other leaves matching nothing (`group:stagng`, a key wildcard matching nothing). */
  unmatched: { what: string; start: number; end: number; suggestion?: string }[];
  /** Keys selected (empty when the string does not parse). */
  selected: string[];
  /** Every literal key leaf (no wildcard), with the offsets of the key itself in the string. */
  keyLeaves: { key: string; start: number; end: number }[];
}

/** A selection graph built once per project model and reused for every selection string. */
export type SelectionGraph = selection.SelectableGraph;

/** What can be typed at a cursor in a selection string (the runtime's answer). */
export type SelectionCompletion = selection.SelectionCompletion;

/** Builds the runtime's selection graph from the analysis' assets. */
export function selectionGraph(assets: Iterable<AssetNode>): SelectionGraph {
  const list = [];
  for (const asset of assets) {
    list.push({
      key: asset.key,
      group: asset.group ?? "default",
      tags: asset.tags,
      owners: asset.owners,
      kinds: asset.kinds,
      deps: asset.deps,
    });
  }
  return selection.graphFromAssets(list);
}

/** Parses and resolves `text` with the runtime's selection module (the one parser of the project). */
export function checkSelection(text: string, graph: SelectionGraph): SelectionCheck {
  let ast: selection.SelectionAst;
  try {
    ast = selection.parseSelection(text);
  } catch (error) {
    const offset = typeof (error as { offset?: unknown }).offset === "number" ? (error as { offset: number }).offset : 0;
    const message = error instanceof Error ? error.message : String(error);
    return { syntaxError: { offset, message }, unknownKeys: [], unmatched: [], selected: [], keyLeaves: [] };
  }
  const unknownKeys: SelectionCheck["unknownKeys"] = [];
  const unmatched: SelectionCheck["unmatched"] = [];
  for (const term of selection.unmatchedTerms(ast, graph)) {
    if (term.attribute === "key" && !term.wildcard) {
      unknownKeys.push({ ...keyRange(text, { key: term.value, start: term.start, end: term.end }), ...(term.suggestion !== undefined ? { suggestion: term.suggestion } : {}) });
    } else {
      unmatched.push({ what: `${term.attribute}:${term.value}`, start: term.start, end: term.end, ...(term.suggestion !== undefined ? { suggestion: term.suggestion } : {}) });
    }
  }
  const selected = [...selection.resolveSelection(ast, graph)];
  const keyLeaves: SelectionCheck["keyLeaves"] = [];
  collectKeyLeaves(ast, (node) => keyLeaves.push(keyRange(text, node)));
  return { unknownKeys, unmatched, selected, keyLeaves };
}

/** The range of the key itself in a key leaf (`key:raw_orders` -> `raw_orders`). */
function keyRange(text: string, node: { key: string; start: number; end: number }): { key: string; start: number; end: number } {
  const written = text.slice(node.start, node.end);
  const at = written.lastIndexOf(node.key);
  return at < 0 ? { key: node.key, start: node.start, end: node.end }
    : { key: node.key, start: node.start + at, end: node.start + at + node.key.length };
}

function collectKeyLeaves(ast: selection.SelectionAst, visit: (node: { key: string; start: number; end: number }) => void): void {
  switch (ast.type) {
    case "key":
      if (!ast.key.includes("*")) visit(ast);
      return;
    case "traversal":
    case "function":
    case "not":
      collectKeyLeaves(ast.operand, visit);
      return;
    case "and":
    case "or":
      for (const operand of ast.operands) collectKeyLeaves(operand, visit);
      return;
    default:
      return;
  }
}

/** The closest candidate to `name`, for "did you mean" (undefined when nothing is close). */
export function suggestName(name: string, candidates: Iterable<string>): string | undefined {
  return selection.suggest(name, [...candidates]);
}

/** Completion words the selection grammar accepts at `offset` of `text` (keywords, attributes). */
export function selectionCompletionsAt(text: string, offset: number): SelectionCompletion {
  return selection.completionsAt(text, offset);
}
