/**
 * Evaluates a selection tree against a graph. Every operation is linear in the size of the graph:
 * traversals are breadth-first searches that visit each asset at most once (multi-source BFS finds
 * each asset's shortest distance, which is what depth limits are measured in); `roots` and `sinks`
 * visit each asset at most twice.
 */
import type { SelectionAst, TraversalDepth } from "./ast";
import { globMatcher, isPattern } from "./glob";
import { topologicalOrder, type SelectableAsset, type SelectableGraph } from "./graph";
import { parseSelection } from "./parser";

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

/**
 * The keys one node selects, in no particular order. `jobsInProgress` holds the jobs whose
 * selection is being evaluated, so that a job naming itself (directly or through another job)
 * selects nothing instead of recursing forever; the graph's validation reports such jobs.
 */
export function evaluateNode(ast: SelectionAst, graph: SelectableGraph, jobsInProgress: ReadonlySet<string> = new Set()): Set<string> {
  const evaluate = (node: SelectionAst): Set<string> => evaluateNode(node, graph, jobsInProgress);
  switch (ast.type) {
    case "all":
      return new Set(graph.assets.keys());
    case "key":
      return selectKeys(ast.key, graph);
    case "group": {
      const matches = globMatcher(ast.group);
      return filterAssets(graph, (asset) => matches(asset.group));
    }
    case "tag":
      return filterAssets(graph, (asset) => Object.hasOwn(asset.tags, ast.tagKey) && (ast.value === null || asset.tags[ast.tagKey] === ast.value));
    case "owner":
      return filterAssets(graph, (asset) => asset.owners.includes(ast.owner));
    case "kind":
      return filterAssets(graph, (asset) => asset.kinds.includes(ast.kind));
    case "job": {
      const jobAst = jobSelectionAst(graph, ast.job);
      if (jobAst === undefined || jobsInProgress.has(ast.job)) return new Set();
      return evaluateNode(jobAst, graph, new Set([...jobsInProgress, ast.job]));
    }
    case "traversal": {
      const seeds = evaluate(ast.operand);
      const result = new Set(seeds);
      if (ast.up !== null) for (const key of reachable(seeds, ast.up, (key) => graph.parentsOf(key), graph)) result.add(key);
      if (ast.down !== null) for (const key of reachable(seeds, ast.down, (key) => graph.childrenOf(key), graph)) result.add(key);
      return result;
    }
    case "function": {
      // As in Dagster: a root is an asset of the selection that no *other* asset of the selection
      // reaches, through any path of the whole graph (assets outside the selection included); a
      // sink is one that reaches no other asset of the selection. An edge to itself is ignored.
      const inner = evaluate(ast.operand);
      const neighbours = ast.name === "roots" ? (key: string) => graph.childrenOf(key) : (key: string) => graph.parentsOf(key);
      const reachedFromOther = seedsReachedFromAnotherSeed(inner, neighbours, graph);
      const result = new Set<string>();
      for (const key of inner) if (!reachedFromOther.has(key)) result.add(key);
      return result;
    }
    case "not": {
      const excluded = evaluate(ast.operand);
      const result = new Set<string>();
      for (const key of graph.assets.keys()) if (!excluded.has(key)) result.add(key);
      return result;
    }
    case "and": {
      let result = evaluate(ast.operands[0]!);
      for (const operand of ast.operands.slice(1)) {
        if (result.size === 0) break;
        const other = evaluate(operand);
        const both = new Set<string>();
        for (const key of result) if (other.has(key)) both.add(key);
        result = both;
      }
      return result;
    }
    case "or": {
      const result = new Set<string>();
      for (const operand of ast.operands) for (const key of evaluate(operand)) result.add(key);
      return result;
    }
  }
}

/** True when a key pattern contains a wildcard. */
export function isKeyPattern(key: string): boolean {
  return isPattern(key);
}

/**
 * A matcher for a key pattern: `*` matches any run of characters (including `/`), everything else
 * matches itself. No regular expression is built: see {@link globMatcher}.
 *
 * @example
 * keyMatcher("warehouse/*")("warehouse/customers") // true
 */
export function keyMatcher(pattern: string): (key: string) => boolean {
  return globMatcher(pattern);
}

/** Parsed job selections, per graph: a job named many times is parsed once. */
const jobAsts = new WeakMap<SelectableGraph, Map<string, SelectionAst | null>>();

/** The parsed selection of job `name`, or undefined when there is no such job or it does not parse. */
function jobSelectionAst(graph: SelectableGraph, name: string): SelectionAst | undefined {
  const selection = graph.jobs?.get(name);
  if (selection === undefined) return undefined;
  let parsed = jobAsts.get(graph);
  if (!parsed) jobAsts.set(graph, (parsed = new Map()));
  let ast = parsed.get(name);
  if (ast === undefined) {
    try {
      ast = parseSelection(selection);
    } catch {
      // Reported where the job is defined (graph validation, the language server), not here.
      ast = null;
    }
    parsed.set(name, ast);
  }
  return ast ?? undefined;
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

/**
 * The seeds that some *other* seed reaches in one step or more of `neighbours` (a seed reaching only
 * itself, through an edge to itself or a cycle, does not count). Linear in the size of the graph:
 * each asset remembers at most two distinct seeds it is reached from, since two are enough to tell
 * that one of them differs from any asset further on, and passes each on once.
 */
function seedsReachedFromAnotherSeed(seeds: Set<string>, neighbours: (key: string) => readonly string[], graph: SelectableGraph): Set<string> {
  const origins = new Map<string, string[]>();
  const queue: { key: string; origin: string }[] = [];
  for (const seed of seeds) {
    origins.set(seed, [seed]);
    queue.push({ key: seed, origin: seed });
  }
  for (let head = 0; head < queue.length; head++) {
    const { key, origin } = queue[head]!;
    for (const neighbour of neighbours(key)) {
      if (!graph.assets.has(neighbour)) continue;
      const known = origins.get(neighbour);
      if (known === undefined) origins.set(neighbour, [origin]);
      else if (known.length < 2 && !known.includes(origin)) known.push(origin);
      else continue;
      queue.push({ key: neighbour, origin });
    }
  }
  const reached = new Set<string>();
  for (const seed of seeds) if (origins.get(seed)!.some((origin) => origin !== seed)) reached.add(seed);
  return reached;
}
