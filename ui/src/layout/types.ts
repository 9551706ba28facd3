/**
 * Input and output of the lineage layout. Nodes and edges are addressed by index so the algorithm
 * runs on typed arrays; the result is plain data that crosses the worker boundary cheaply.
 */

/** A box to place. `group` names the group box it belongs to (null: no box, e.g. a collapsed group card). */
export interface LayoutNode {
  id: string;
  width: number;
  height: number;
  group: string | null;
}

/** The graph to lay out. `edges` are `[upstream, downstream]` node indices. */
export interface LayoutInput {
  nodes: LayoutNode[];
  edges: Array<[number, number]>;
}

/** A group box around the nodes of one group. */
export interface LayoutGroupBox {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Where everything goes, in one coordinate space (x right, y down; top-left corners). */
export interface LayoutResult {
  /** `[x0, y0, x1, y1, ...]`: top-left corner of node i at `2i`, `2i+1`. */
  positions: Float64Array;
  /**
   * Edge routes, one per input edge in input order: `edgeOffsets[e]`..`edgeOffsets[e+1]` index into
   * `edgePoints` (pairs of x, y). A route starts at the upstream node's right side and ends at the
   * downstream node's left side; between consecutive points an edge is drawn as a horizontal S-curve.
   */
  edgePoints: Float64Array;
  edgeOffsets: Uint32Array;
  groups: LayoutGroupBox[];
  width: number;
  height: number;
  stats: LayoutStats;
}

/** What the layout did and how long it took (for the bench and the status line). */
export interface LayoutStats {
  nodes: number;
  edges: number;
  layers: number;
  dummies: number;
  groups: number;
  crossings: number;
  sweeps: number;
  ms: number;
}

/** Tunables; the defaults suit 200x48 asset cards. */
export interface LayoutOptions {
  /** Horizontal gap between layer columns. @defaultValue 96 */
  layerGap: number;
  /** Vertical gap between two nodes of a layer. @defaultValue 16 */
  nodeGap: number;
  /** Vertical room a long edge takes when it passes a layer. @defaultValue 10 */
  dummyHeight: number;
  /** Padding inside a group box. @defaultValue 14 */
  groupPadding: number;
  /** Height of a group box's title strip. @defaultValue 26 */
  groupLabelHeight: number;
  /** Vertical gap between two stacked group boxes. @defaultValue 36 */
  bandGap: number;
  /** Crossing-reduction sweeps at most (down + up = 2). @defaultValue 8 */
  maxSweeps: number;
  /** Crossing reduction stops after this many milliseconds, keeping the best order. @defaultValue 400 */
  orderingBudgetMs: number;
}

/** The default {@link LayoutOptions}. */
export const DEFAULT_LAYOUT_OPTIONS: LayoutOptions = {
  layerGap: 96,
  nodeGap: 16,
  dummyHeight: 10,
  groupPadding: 14,
  groupLabelHeight: 26,
  bandGap: 36,
  maxSweeps: 8,
  orderingBudgetMs: 400,
};
