/**
 * Step 1 of the layered layout: break cycles, assign layers (columns), number the groups and split
 * long edges with dummy nodes, giving a "proper" layered graph in which
 * every edge joins two adjacent layers.
 */
import type { LayoutInput } from "./types";

/** The proper layered graph the ordering and placement steps work on. Nodes >= `realCount` are dummies. */
export interface ProperGraph {
  realCount: number;
  count: number;
  layerOf: Int32Array;
  /** Group number of every node; a dummy takes its long edge's downstream group inside that group's columns, else the upstream one. */
  groupOf: Int32Array;
  layerCount: number;
  groupCount: number;
  /** 1 for a named group (drawn as a box), 0 for the nodes without a group (no box). */
  boxed: Uint8Array;
  /** CSR adjacency of proper edges: predecessors (layer - 1) and successors (layer + 1). */
  predStart: Int32Array;
  preds: Int32Array;
  succStart: Int32Array;
  succs: Int32Array;
  /**
   * For each input edge, its chain of nodes in layer order (upstream end first), as a slice
   * `chainNodes[chainStart[e]..chainStart[e+1]]`; an empty slice for a dropped self-loop.
   */
  chainStart: Int32Array;
  chainNodes: Int32Array;
  /** 1 when the input edge was reversed to break a cycle (it is drawn right to left). */
  reversed: Uint8Array;
}

/** Builds the {@link ProperGraph} of `input`. */
export function buildProperGraph(input: LayoutInput): ProperGraph {
  const n = input.nodes.length;
  const { from, to, reversed } = acyclicEdges(input);
  const layerOf = longestPathLayers(n, from, to);
  let layerCount = 0;
  for (let i = 0; i < n; i++) if (layerOf[i]! + 1 > layerCount) layerCount = layerOf[i]! + 1;
  const { groupOfNode, groupCount, boxed } = numberGroups(input);

  // Count dummies first so every array is allocated once.
  let dummyCount = 0;
  let chainLength = 0;
  for (let e = 0; e < from.length; e++) {
    const span = from[e] === -1 ? -1 : layerOf[to[e]!]! - layerOf[from[e]!]!;
    if (span > 1) dummyCount += span - 1;
    chainLength += span > 0 ? span + 1 : 0;
  }
  const count = n + dummyCount;
  const fullLayer = new Int32Array(count);
  fullLayer.set(layerOf);
  const groupOf = new Int32Array(count);
  groupOf.set(groupOfNode);
  // First layer of each group's real nodes: a long edge joins its downstream group's footprint as
  // soon as it reaches that group's columns, instead of widening its upstream group (which would
  // push the downstream group's box down).
  const groupFirstLayer = new Int32Array(groupCount).fill(layerCount);
  for (let i = 0; i < n; i++) if (layerOf[i]! < groupFirstLayer[groupOfNode[i]!]!) groupFirstLayer[groupOfNode[i]!] = layerOf[i]!;
  const chainStart = new Int32Array(from.length + 1);
  const chainNodes = new Int32Array(chainLength);
  const edgeFrom: number[] = [];
  const edgeTo: number[] = [];
  const seenProper = new Set<number>();
  let nextDummy = n;
  let cursor = 0;
  for (let e = 0; e < from.length; e++) {
    chainStart[e] = cursor;
    const u = from[e]!;
    if (u === -1) continue;
    const v = to[e]!;
    let previous = u;
    chainNodes[cursor++] = u;
    for (let layer = layerOf[u]! + 1; layer < layerOf[v]!; layer++) {
      const dummy = nextDummy++;
      fullLayer[dummy] = layer;
      const downstreamGroup = groupOfNode[v]!;
      groupOf[dummy] = layer >= groupFirstLayer[downstreamGroup]! ? downstreamGroup : groupOfNode[u]!;
      edgeFrom.push(previous);
      edgeTo.push(dummy);
      chainNodes[cursor++] = dummy;
      previous = dummy;
    }
    // Duplicate direct edges would only weigh barycenters twice.
    const pairKey = previous * count + v;
    if (previous !== u || !seenProper.has(pairKey)) {
      seenProper.add(pairKey);
      edgeFrom.push(previous);
      edgeTo.push(v);
    }
    chainNodes[cursor++] = v;
  }
  chainStart[from.length] = cursor;

  const [predStart, preds] = csr(count, edgeTo, edgeFrom);
  const [succStart, succs] = csr(count, edgeFrom, edgeTo);
  return {
    realCount: n,
    count,
    layerOf: fullLayer,
    groupOf,
    layerCount: Math.max(layerCount, 1),
    groupCount,
    boxed,
    predStart,
    preds,
    succStart,
    succs,
    chainStart,
    chainNodes: chainNodes.subarray(0, cursor),
    reversed,
  };
}

/** Compressed adjacency: for each `key[i]`, the `value[i]`s, grouped. */
function csr(count: number, key: number[], value: number[]): [Int32Array, Int32Array] {
  const start = new Int32Array(count + 1);
  for (const k of key) start[k + 1]!++;
  for (let i = 0; i < count; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, count);
  const out = new Int32Array(key.length);
  for (let i = 0; i < key.length; i++) out[fill[key[i]!]!++] = value[i]!;
  return [start, out];
}

/**
 * The input edges with self-loops marked (-1) and back edges (found by an iterative depth-first
 * search) reversed, so the rest of the layout can assume a DAG. Asset graphs are acyclic; this only
 * keeps a broken project (or a cyclic group overview) drawable.
 */
function acyclicEdges(input: LayoutInput): { from: Int32Array; to: Int32Array; reversed: Uint8Array } {
  const n = input.nodes.length;
  const m = input.edges.length;
  const from = new Int32Array(m);
  const to = new Int32Array(m);
  const reversed = new Uint8Array(m);
  const outKeys: number[] = [];
  const outEdges: number[] = [];
  for (let e = 0; e < m; e++) {
    const [u, v] = input.edges[e]!;
    if (u === v || u < 0 || v < 0 || u >= n || v >= n) {
      from[e] = -1;
      to[e] = -1;
      continue;
    }
    from[e] = u;
    to[e] = v;
    outKeys.push(u);
    outEdges.push(e);
  }
  const [start, edgesOf] = csr(n, outKeys, outEdges);
  const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  const stackNode = new Int32Array(n);
  const stackNext = new Int32Array(n);
  for (let root = 0; root < n; root++) {
    if (state[root] !== 0) continue;
    let depth = 0;
    stackNode[0] = root;
    stackNext[0] = start[root]!;
    state[root] = 1;
    while (depth >= 0) {
      const u = stackNode[depth]!;
      const next = stackNext[depth]!;
      if (next === start[u + 1]) {
        state[u] = 2;
        depth--;
        continue;
      }
      stackNext[depth] = next + 1;
      const e = edgesOf[next]!;
      const v = to[e]!;
      if (state[v] === 1) {
        from[e] = v;
        to[e] = u;
        reversed[e] = 1;
      } else if (state[v] === 0) {
        state[v] = 1;
        depth++;
        stackNode[depth] = v;
        stackNext[depth] = start[v]!;
      }
    }
  }
  return { from, to, reversed };
}

/** Longest-path layering: a node sits one layer right of its furthest-right parent (sources at 0). */
function longestPathLayers(n: number, from: Int32Array, to: Int32Array): Int32Array {
  const inDegree = new Int32Array(n);
  const keys: number[] = [];
  const values: number[] = [];
  for (let e = 0; e < from.length; e++) {
    if (from[e] === -1) continue;
    keys.push(from[e]!);
    values.push(to[e]!);
    inDegree[to[e]!]!++;
  }
  const [start, succ] = csr(n, keys, values);
  const layer = new Int32Array(n);
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let i = 0; i < n; i++) if (inDegree[i] === 0) queue[tail++] = i;
  while (head < tail) {
    const u = queue[head++]!;
    for (let k = start[u]!; k < start[u + 1]!; k++) {
      const v = succ[k]!;
      if (layer[u]! + 1 > layer[v]!) layer[v] = layer[u]! + 1;
      if (--inDegree[v]! === 0) queue[tail++] = v;
    }
  }
  return layer;
}

/**
 * Numbers the groups. Nodes without a group (collapsed groups) share one boxless group: laid out
 * together like any group's nodes, with no box drawn around them.
 */
function numberGroups(input: LayoutInput): { groupOfNode: Int32Array; groupCount: number; boxed: Uint8Array } {
  const ids = new Map<string, number>();
  const boxed: number[] = [];
  const groupOfNode = new Int32Array(input.nodes.length);
  input.nodes.forEach((node, i) => {
    const key = node.group === null ? "\u0000ungrouped" : node.group;
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size;
      ids.set(key, id);
      boxed.push(node.group === null ? 0 : 1);
    }
    groupOfNode[i] = id;
  });
  return { groupOfNode, groupCount: ids.size, boxed: Uint8Array.from(boxed) };
}
