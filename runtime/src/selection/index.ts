/**
 * Asset selections: one parser for the selection syntax (`+stg_orders and group:staging`) shared by
 * the CLI, jobs, the HTTP API, the lineage filter box and the language server; published as
 * `tributary-ts/selection`.
 *
 * This module imports nothing outside runtime/src/selection but runtime/src/errors.ts: the language
 * server bundles it, and it must not pull in storage or database drivers.
 */
export {
  SELECTION_ATTRIBUTES,
  SELECTION_FUNCTIONS,
  SELECTION_KEYWORDS,
  astEquals,
  walkAst,
  type AllNode,
  type AndNode,
  type FunctionNode,
  type GroupNode,
  type JobNode,
  type KeyNode,
  type KindNode,
  type LeafNode,
  type NotNode,
  type OrNode,
  type OwnerNode,
  type SelectionAst,
  type SelectionAttribute,
  type SelectionFunctionName,
  type SourceRange,
  type TagNode,
  type TraversalDepth,
  type TraversalNode,
} from "./ast";
export { AssetSelection } from "./builders";
export { completionsAt, type SelectionCompletion, type SelectionCompletionKind } from "./completions";
export { evaluateSelection, keyMatcher } from "./evaluate";
export { globMatcher } from "./glob";
export { formatSelection } from "./format";
export { graphFromAssets, topologicalOrder, type SelectableAsset, type SelectableGraph, type SelectableJob } from "./graph";
export { parseSelection } from "./parser";
export { resolveSelection, toSelectionAst, type SelectionInput } from "./resolve";
export { editDistance, suggest } from "./suggest";
export { unknownKeys, unmatchedTerms, type UnmatchedTerm } from "./unmatched";
export { SelectionSyntaxError } from "../errors";
