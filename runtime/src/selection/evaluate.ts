/**
 * Evaluates a selection tree against a graph. Every operation is linear in the size of the graph:
 * traversals are breadth-first searches that visit each asset at most once (multi-source BFS finds
 * each asset's shortest distance, which is what depth limits are measured in).
 */
import type { SelectionAst, TraversalDepth } from "./ast";
import { topologicalOrder, type SelectableAsset, type SelectableGraph } from "./graph";

/**
 * The keys `ast` selects in `graph`, in the graph's topological order (see {@link topologicalOrder}).
 * Keys that are not in the graph select nothing; they are not errors (use `unknownKeys` to warn).
 *
 * @example
 * evaluateSelection(parseSelection("+stg_orders"), graph) // Set { "raw_orders", "stg_orders" }
 */
export function evaluateSelection(ast: SelectionAst, graph: SelectableGraph): Set<string> {
  const selected = evaluateNode(ast, graph);
  if (selected.size === 0) return selected;
  const ordered = new Set<string>();
  for (const key of topologicalOrder(graph)) if (selected.has(key)) ordered.add(key);
  return ordered;
}

/** The keys one node selects, in no particular order. */
export function evaluateNode(ast: SelectionAst, graph: SelectableGraph): Set<string> {
  switch (ast.type) {
    case "all":
      return new Set(graph.assets.keys());
    case "key":
      return selectKeys(ast.key, graph);
    case "group":
      return filterAssets(graph, (asset) => asset.group === ast.group);
    case "tag":
      return filterAssets(graph, (asset) => Object.hasOwn(asset.tags, ast.tagKey) && (ast.value === null || asset.tags[ast.tagKey] === ast.value));
    case "owner":
      return filterAssets(graph, (asset) => asset.owners.includes(ast.owner));
    case "kind":
      return filterAssets(graph, (asset) => asset.kinds.includes(ast.kind));
    case "traversal": {
      const seeds = evaluateNode(ast.operand, graph);
      const result = new Set(seeds);
      if (ast.up !== null) for (const key of reachable(seeds, ast.up, (key) => graph.parentsOf(key), graph)) result.add(key);
      if (ast.down !== null) for (const key of reachable(seeds, ast.down, (key) => graph.childrenOf(key), graph)) result.add(key);
      return result;
    }
    case "function": {
      const inner = evaluateNode(ast.operand, graph);
      const neighbours = ast.name === "roots" ? (key: string) => graph.parentsOf(key) : (key: string) => graph.childrenOf(key);
      const result = new Set<string>();
      for (const key of inner) if (!neighbours(key).some((other) => inner.has(other))) result.add(key);
      return result;
    }
    case "not": {
      const excluded = evaluateNode(ast.operand, graph);
      const result = new Set<string>();
      for (const key of graph.assets.keys()) if (!excluded.has(key)) result.add(key);
      return result;
    }
    case "and": {
      let result = evaluateNode(ast.operands[0]!, graph);
      for (const operand of ast.operands.slice(1)) {
        if (result.size === 0) break;
        const other = evaluateNode(operand, graph);
        const both = new Set<string>();
        for (const key of result) if (other.has(key)) both.add(key);
        result = both;
      }
      return result;
    }
    case "or": {
      const result = new Set<string>();
      for (const operand of ast.operands) for (const key of evaluateNode(operand, graph)) result.add(key);
      return result;
    }
  }
}

/** True when a key pattern contains a wildcard. */
export function isKeyPattern(key: string): boolean {
  return key.includes("*");
}

/**
 * A matcher for a key pattern: `*` matches any run of characters (including `/`), everything else
 * matches itself.
 *
 * @example
 * keyMatcher("warehouse/*")("warehouse/customers") // true
 */
export function keyMatcher(pattern: string): (key: string) => boolean {
  if (!isKeyPattern(pattern)) return (key) => key === pattern;
  const source = pattern.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  const regex = new RegExp(`^${source}$`, "s");
  return (key) => regex.test(key);
}

function selectKeys(pattern: string, graph: SelectableGraph): Set<string> {
  if (!isKeyPattern(pattern)) return graph.assets.has(pattern) ? new Set([pattern]) : new Set();
  const matches = keyMatcher(pattern);
  const result = new Set<string>();
  for (const key of graph.assets.keys()) if (matches(key)) result.add(key);
  return result;
}

function filterAssets(graph: SelectableGraph, keep: (asset: SelectableAsset) => boolean): Set<string> {
  const result = new Set<string>();
  for (const [key, asset] of graph.assets) if (keep(asset)) result.add(key);
  return result;
}

/**
 * Keys reachable from `seeds` within `depth` steps of `neighbours` (seeds excluded unless reached
 * from another seed; callers add the seeds themselves).
 */
function reachable(seeds: Set<string>, depth: TraversalDepth, neighbours: (key: string) => readonly string[], graph: SelectableGraph): Set<string> {
  const limit = depth === "all" ? Number.POSITIVE_INFINITY : depth;
  const visited = new Set<string>(seeds);
  const found = new Set<string>();
  // One queue with a parallel array of levels: no per-level arrays on long chains.
  const queue = [...seeds];
  const levels = new Array<number>(queue.length).fill(0);
  for (let head = 0; head < queue.length; head++) {
    const level = levels[head]!;
    if (level >= limit) continue;
    for (const neighbour of neighbours(queue[head]!)) {
      if (visited.has(neighbour) || !graph.assets.has(neighbour)) continue;
      visited.add(neighbour);
      found.add(neighbour);
      queue.push(neighbour);
      levels.push(level + 1);
    }
  }
  return found;
}
