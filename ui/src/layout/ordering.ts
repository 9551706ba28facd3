/**
 * Step 2: order the nodes inside each layer to reduce edge crossings. Barycenter heuristic with
 * alternating down/up sweeps, a bounded number of them and a time budget, keeping the order with the
 * fewest crossings (counted exactly with a Fenwick tree, O(E log V) per layer pair). A layer's nodes
 * stay grouped by group, and groups keep one vertical order (their rank) in every layer, so group
 * boxes can be stacked without ever interleaving.
 */
import type { ProperGraph } from "./layering";

/** The order found: `layers[l]` lists layer l's nodes top to bottom; `pos[v]` is v's index in its layer. */
export interface LayerOrder {
  layers: Int32Array[];
  /** Vertical order of the groups (0 = top), the same in every layer. */
  groupRank: Float64Array;
  pos: Int32Array;
  crossings: number;
  sweeps: number;
}

/** Orders `graph`'s layers; `maxSweeps` and `budgetMs` bound the work. */
export function orderLayers(graph: ProperGraph, maxSweeps: number, budgetMs: number): LayerOrder {
  const started = now();
  const groupRank = new Float64Array(graph.groupCount);
  const layers = initialOrder(graph, groupRank);
  const pos = new Int32Array(graph.count);
  for (const layer of layers) layer.forEach((v, i) => (pos[v] = i));

  let best = layers.map((layer) => layer.slice());
  let bestRank = groupRank.slice();
  let bestCrossings = countAllCrossings(graph, layers, pos);
  let sweeps = 0;
  const key = new Float64Array(graph.count);
  for (let sweep = 0; sweep < maxSweeps && bestCrossings > 0; sweep++) {
    if (now() - started > budgetMs) break;
    sweeps++;
    const down = sweep % 2 === 0;
    if (sweep > 0) rerankGroups(graph, layers, pos, groupRank);
    if (down) for (let l = 1; l < layers.length; l++) sortLayer(layers[l]!, graph.predStart, graph.preds, graph, pos, key, groupRank);
    else for (let l = layers.length - 2; l >= 0; l--) sortLayer(layers[l]!, graph.succStart, graph.succs, graph, pos, key, groupRank);
    const crossings = countAllCrossings(graph, layers, pos);
    if (crossings < bestCrossings) {
      bestCrossings = crossings;
      best = layers.map((layer) => layer.slice());
      bestRank = groupRank.slice();
    }
  }
  for (const layer of best) layer.forEach((v, i) => (pos[v] = i));
  return { layers: best, groupRank: bestRank, pos, crossings: bestCrossings, sweeps };
}

function now(): number {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}

/**
 * A depth-first order from the sources (in input order), so that related nodes start close together;
 * groups ranked in the order the search first meets them.
 */
function initialOrder(graph: ProperGraph, groupRank: Float64Array): Int32Array[] {
  groupRank.fill(-1);
  let nextRank = 0;
  const buckets: number[][] = Array.from({ length: graph.layerCount }, () => []);
  const seen = new Uint8Array(graph.count);
  const stack: number[] = [];
  const visitFrom = (root: number): void => {
    stack.push(root);
    while (stack.length > 0) {
      const v = stack.pop()!;
      if (seen[v]) continue;
      seen[v] = 1;
      buckets[graph.layerOf[v]!]!.push(v);
      if (groupRank[graph.groupOf[v]!] === -1) groupRank[graph.groupOf[v]!] = nextRank++;
      for (let k = graph.succStart[v + 1]! - 1; k >= graph.succStart[v]!; k--) {
        const w = graph.succs[k]!;
        if (!seen[w]) stack.push(w);
      }
    }
  };
  for (let v = 0; v < graph.realCount; v++) if (graph.predStart[v] === graph.predStart[v + 1]) visitFrom(v);
  for (let v = 0; v < graph.count; v++) if (!seen[v]) visitFrom(v);
  return buckets.map((bucket) => {
    const order = bucket.map((v, i) => [groupRank[graph.groupOf[v]!]!, i, v] as const);
    order.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return Int32Array.from(order, (entry) => entry[2]);
  });
}

/**
 * Re-ranks the groups by the mean relative position of their nodes, so that groups drift towards
 * the groups they connect to (ties keep the previous rank order).
 */
function rerankGroups(graph: ProperGraph, layers: Int32Array[], pos: Int32Array, groupRank: Float64Array): void {
  const sum = new Float64Array(graph.groupCount);
  const count = new Float64Array(graph.groupCount);
  for (const layer of layers) {
    const size = layer.length;
    for (let i = 0; i < size; i++) {
      const v = layer[i]!;
      if (v >= graph.realCount) continue;
      const g = graph.groupOf[v]!;
      sum[g]! += (pos[v]! + 0.5) / size;
      count[g]!++;
    }
  }
  const ids = Array.from({ length: graph.groupCount }, (_, g) => g);
  const mean = (g: number): number => (count[g]! > 0 ? sum[g]! / count[g]! : 0);
  ids.sort((a, b) => mean(a) - mean(b) || groupRank[a]! - groupRank[b]!);
  ids.forEach((g, rank) => (groupRank[g] = rank));
}

/** Sorts one layer by group rank, then by the barycenter of its neighbours in the fixed adjacent layer. */
function sortLayer(
  layer: Int32Array,
  start: Int32Array,
  adjacent: Int32Array,
  graph: ProperGraph,
  pos: Int32Array,
  key: Float64Array,
  groupRank: Float64Array,
): void {
  for (let i = 0; i < layer.length; i++) {
    const v = layer[i]!;
    const from = start[v]!;
    const to = start[v + 1]!;
    let bary: number;
    if (to === from) bary = pos[v]!; // no neighbour there: stay about where it is
    else {
      let sum = 0;
      for (let k = from; k < to; k++) sum += pos[adjacent[k]!]!;
      bary = sum / (to - from);
    }
    // The group's rank dominates; the tiny position term keeps the sort stable between equal barycenters.
    key[v] = groupRank[graph.groupOf[v]!]! * 1e7 + bary + pos[v]! * 1e-6;
  }
  layer.sort((a, b) => key[a]! - key[b]!);
  for (let i = 0; i < layer.length; i++) pos[layer[i]!] = i;
}

/** Total crossings between every pair of adjacent layers. */
function countAllCrossings(graph: ProperGraph, layers: Int32Array[], pos: Int32Array): number {
  let total = 0;
  for (let l = 0; l + 1 < layers.length; l++) total += countCrossings(graph, layers[l]!, layers[l + 1]!.length, pos);
  return total;
}

/**
 * Crossings between a layer and the next (Barth, Jünger, Mutzel): walk the upper layer in order,
 * each node's targets sorted, and count for each target how many earlier edges end below it.
 */
function countCrossings(graph: ProperGraph, upper: Int32Array, lowerSize: number, pos: Int32Array): number {
  const tree = new Int32Array(lowerSize + 1);
  let crossings = 0;
  let inserted = 0;
  const targets: number[] = [];
  for (let i = 0; i < upper.length; i++) {
    const u = upper[i]!;
    targets.length = 0;
    for (let k = graph.succStart[u]!; k < graph.succStart[u + 1]!; k++) targets.push(pos[graph.succs[k]!]!);
    if (targets.length > 1) targets.sort((a, b) => a - b);
    for (const p of targets) {
      // Edges inserted so far ending strictly below p cross this one.
      let atOrAbove = 0;
      for (let j = p + 1; j > 0; j -= j & -j) atOrAbove += tree[j]!;
      crossings += inserted - atOrAbove;
      for (let j = p + 1; j <= lowerSize; j += j & -j) tree[j]!++;
      inserted++;
    }
  }
  return crossings;
}
