/**
 * Step 3: coordinates. Layers become columns; inside each group nodes are placed top to bottom in
 * their order, each pulled towards its neighbours' centres (median, then mean) by a few alternating
 * sweeps. Then the groups are stacked, in rank order, on a per-column skyline: a group sits just
 * below whatever already occupies its columns, so groups of different stages share rows and the
 * drawing stays compact. Each sweep solves the "keep the order, keep the gaps, be as close as
 * possible to the targets" problem exactly per layer with pool-adjacent-violators (isotonic
 * regression), so long edges come out straight and the cost stays linear.
 */
import type { ProperGraph } from "./layering";
import type { LayerOrder } from "./ordering";
import type { LayoutInput, LayoutOptions } from "./types";

/** Node centres and column geometry. */
export interface Placement {
  centerY: Float64Array;
  columnX: Float64Array;
  columnWidth: Float64Array;
  /** Top of each group's footprint (title strip included). */
  groupTop: Float64Array;
}

/** Places every node of `graph` (real and dummy). */
export function placeNodes(input: LayoutInput, graph: ProperGraph, order: LayerOrder, options: LayoutOptions): Placement {
  const height = new Float64Array(graph.count);
  for (let v = 0; v < graph.count; v++) height[v] = v < graph.realCount ? input.nodes[v]!.height : options.dummyHeight;

  // Columns: as wide as their widest node.
  const columnWidth = new Float64Array(graph.layerCount);
  for (let v = 0; v < graph.realCount; v++) {
    const l = graph.layerOf[v]!;
    if (input.nodes[v]!.width > columnWidth[l]!) columnWidth[l] = input.nodes[v]!.width;
  }
  const columnX = new Float64Array(graph.layerCount);
  columnX[0] = options.groupPadding; // keep group boxes at x >= 0
  for (let l = 1; l < graph.layerCount; l++) columnX[l] = columnX[l - 1]! + columnWidth[l - 1]! + options.layerGap;

  // Segments: the run of one group's nodes inside one layer (contiguous thanks to the ordering).
  const segments: Int32Array[][] = Array.from({ length: graph.layerCount }, () => []);
  for (let l = 0; l < graph.layerCount; l++) {
    const layer = order.layers[l]!;
    let begin = 0;
    for (let i = 1; i <= layer.length; i++) {
      if (i === layer.length || graph.groupOf[layer[i]!] !== graph.groupOf[layer[begin]!]) {
        segments[l]!.push(layer.subarray(begin, i));
        begin = i;
      }
    }
  }

  const centerY = new Float64Array(graph.count);
  const gapBetween = (a: number, b: number): number =>
    (height[a]! + height[b]!) / 2 + (a < graph.realCount && b < graph.realCount ? options.nodeGap : 4);
  // Start stacked.
  for (const layerSegments of segments)
    for (const segment of layerSegments) {
      let y = height[segment[0]!]! / 2;
      for (let i = 0; i < segment.length; i++) {
        if (i > 0) y += gapBetween(segment[i - 1]!, segment[i]!);
        centerY[segment[i]!] = y;
      }
    }

  const scratch = new Scratch(graph.count);
  const passes: Array<{ down: boolean; usePreds: boolean; useSuccs: boolean; median: boolean }> = [
    { down: true, usePreds: true, useSuccs: false, median: true },
    { down: false, usePreds: false, useSuccs: true, median: true },
    { down: true, usePreds: true, useSuccs: true, median: false },
    { down: false, usePreds: true, useSuccs: true, median: false },
  ];
  for (const pass of passes) {
    for (let step = 0; step < graph.layerCount; step++) {
      const l = pass.down ? step : graph.layerCount - 1 - step;
      for (const segment of segments[l]!) placeSegment(segment, graph, centerY, gapBetween, pass, scratch);
    }
  }

  // Each group's own extent, then stack the groups on a per-column skyline in rank order.
  const groupMin = new Float64Array(graph.groupCount).fill(Infinity);
  const groupMax = new Float64Array(graph.groupCount).fill(-Infinity);
  const firstLayer = new Int32Array(graph.groupCount).fill(graph.layerCount);
  const lastLayer = new Int32Array(graph.groupCount).fill(-1);
  for (let v = 0; v < graph.count; v++) {
    const g = graph.groupOf[v]!;
    const l = graph.layerOf[v]!;
    groupMin[g] = Math.min(groupMin[g]!, centerY[v]! - height[v]! / 2);
    groupMax[g] = Math.max(groupMax[g]!, centerY[v]! + height[v]! / 2);
    if (l < firstLayer[g]!) firstLayer[g] = l;
    if (l > lastLayer[g]!) lastLayer[g] = l;
  }
  const groupTop = new Float64Array(graph.groupCount);
  const skyline = new Float64Array(graph.layerCount);
  const byRank = Array.from({ length: graph.groupCount }, (_, g) => g).sort((a, b) => order.groupRank[a]! - order.groupRank[b]!);
  for (const g of byRank) {
    if (lastLayer[g] === -1) continue;
    const boxed = graph.boxed[g] === 1;
    let top = 0;
    for (let l = firstLayer[g]!; l <= lastLayer[g]!; l++) top = Math.max(top, skyline[l]!);
    const inset = boxed ? options.groupLabelHeight + options.groupPadding : 0;
    const bottom = top + inset + (groupMax[g]! - groupMin[g]!) + (boxed ? options.groupPadding : 0);
    const gap = boxed ? options.bandGap : options.nodeGap;
    for (let l = firstLayer[g]!; l <= lastLayer[g]!; l++) skyline[l] = bottom + gap;
    groupTop[g] = top;
    // Shift the group's nodes from local coordinates into place.
    groupMin[g] = groupMin[g]! - top - inset;
  }
  for (let v = 0; v < graph.count; v++) centerY[v] = centerY[v]! - groupMin[graph.groupOf[v]!]!;
  return { centerY, columnX, columnWidth, groupTop };
}

/** Reusable buffers for the isotonic regression. */
class Scratch {
  readonly target: Float64Array;
  readonly weight: Float64Array;
  readonly offset: Float64Array;
  readonly blockW: Float64Array;
  readonly blockWT: Float64Array;
  readonly blockLen: Int32Array;
  readonly neighbour: number[] = [];
  constructor(size: number) {
    this.target = new Float64Array(size);
    this.weight = new Float64Array(size);
    this.offset = new Float64Array(size);
    this.blockW = new Float64Array(size);
    this.blockWT = new Float64Array(size);
    this.blockLen = new Int32Array(size);
  }
}

function placeSegment(
  segment: Int32Array,
  graph: ProperGraph,
  centerY: Float64Array,
  gapBetween: (a: number, b: number) => number,
  pass: { usePreds: boolean; useSuccs: boolean; median: boolean },
  s: Scratch,
): void {
  const size = segment.length;
  const group = graph.groupOf[segment[0]!]!;
  // Targets: where each node would like its centre (neighbours in the same group only: groups are
  // stacked afterwards, and edges between them are curves anyway).
  for (let i = 0; i < size; i++) {
    const v = segment[i]!;
    const ys = s.neighbour;
    ys.length = 0;
    if (pass.usePreds)
      for (let k = graph.predStart[v]!; k < graph.predStart[v + 1]!; k++) {
        const u = graph.preds[k]!;
        if (graph.groupOf[u] === group) ys.push(centerY[u]!);
      }
    if (pass.useSuccs)
      for (let k = graph.succStart[v]!; k < graph.succStart[v + 1]!; k++) {
        const u = graph.succs[k]!;
        if (graph.groupOf[u] === group) ys.push(centerY[u]!);
      }
    s.offset[i] = i === 0 ? 0 : s.offset[i - 1]! + gapBetween(segment[i - 1]!, v);
    let target: number;
    let weight: number;
    if (ys.length === 0) {
      target = centerY[v]!;
      weight = 0.05;
    } else {
      if (pass.median) {
        ys.sort((a, b) => a - b);
        const mid = ys.length >> 1;
        target = ys.length % 2 === 1 ? ys[mid]! : (ys[mid - 1]! + ys[mid]!) / 2;
      } else {
        let sum = 0;
        for (const y of ys) sum += y;
        target = sum / ys.length;
      }
      // Dummies pull harder: straight long edges matter more than a node's exact spot.
      weight = v >= graph.realCount ? 4 : 1;
    }
    s.target[i] = target - s.offset[i]!;
    s.weight[i] = weight;
  }
  // Pool adjacent violators: z nondecreasing minimizing sum w (z - target)^2.
  let blocks = 0;
  for (let i = 0; i < size; i++) {
    s.blockW[blocks] = s.weight[i]!;
    s.blockWT[blocks] = s.weight[i]! * s.target[i]!;
    s.blockLen[blocks] = 1;
    blocks++;
    while (blocks > 1 && s.blockWT[blocks - 2]! / s.blockW[blocks - 2]! > s.blockWT[blocks - 1]! / s.blockW[blocks - 1]!) {
      s.blockW[blocks - 2]! += s.blockW[blocks - 1]!;
      s.blockWT[blocks - 2]! += s.blockWT[blocks - 1]!;
      s.blockLen[blocks - 2]! += s.blockLen[blocks - 1]!;
      blocks--;
    }
  }
  let i = 0;
  for (let b = 0; b < blocks; b++) {
    const z = s.blockWT[b]! / s.blockW[b]!;
    for (let k = 0; k < s.blockLen[b]!; k++, i++) centerY[segment[i]!] = z + s.offset[i]!;
  }
}
