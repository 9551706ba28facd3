/**
 * Canvas renderer of the lineage: group boxes, edges (horizontal S-curves through the layout's
 * route points), asset cards with status stripe and check badge, collapsed-group cards. Draws only
 * what is in the viewport, and drops detail when zoomed out (level of detail), so 5,000 assets
 * paint in a few milliseconds.
 */
import { columnId, type ColumnLineage, type ColumnPath, type ColumnRef } from "../columns";
import type { LayoutResult } from "../layout/types";
import { checkSummary, type LineageModel } from "../model";
import { partitionCells } from "../partitions";
import { freshnessBadge, type FreshnessBadge } from "../freshness";
import { LINEAGE_STATUSES, type LineageStatus, type LineagePartitions } from "../protocol";
import { ASSET_SIZE, COLUMN_ROW_HEIGHT, type ColumnRow, type ViewGraph } from "../view";
import { Camera } from "./camera";
import { STATUS_LABEL, type Theme } from "./theme";

/** What the renderer draws. */
export interface Scene {
  view: ViewGraph;
  layout: LayoutResult;
  model: LineageModel;
  /** Column lineage, when the host sent any. */
  columns?: ColumnLineage;
}

/** What is under a point: a card, its columns toggle, or one of its column rows. */
export type Hit =
  | { index: number; part: "card" }
  | { index: number; part: "toggle" }
  | { index: number; part: "column"; column: string | null };

/** Where the columns toggle sits on a card (relative to its top-left corner). */
const TOGGLE = { dx: -60, y: 25, width: 54, height: 16 };

/** Painting and hit-testing of a {@link Scene} on a canvas. */
export class Renderer {
  readonly camera = new Camera();
  private scene: Scene | null = null;
  private ctx: CanvasRenderingContext2D;
  private frame = 0;
  private readonly paintedListeners: Array<() => void> = [];
  private labelCache = new Map<string, string>();
  /** Item index selected / hovered, -1 for none. */
  selected = -1;
  hovered = -1;
  /** Item indices to emphasize (the focus asset, search hits). */
  emphasized = new Set<number>();
  /** Last paint duration in ms. */
  lastPaintMs = 0;
  /** The selected column and its lineage: the rest of the graph is dimmed. Kept across scenes (the app sets it). */
  columnPath: ColumnPath | null = null;

  constructor(
    readonly canvas: HTMLCanvasElement,
    public theme: Theme,
  ) {
    const ctx = canvas.getContext("2d", { alpha: false });
    if (!ctx) throw new Error("This browser cannot create a 2D canvas context; the lineage needs one.");
    this.ctx = ctx;
  }

  setScene(scene: Scene | null): void {
    this.scene = scene;
    this.labelCache.clear();
    this.selected = -1;
    this.hovered = -1;
    this.emphasized.clear();
    this.requestPaint();
  }

  getScene(): Scene | null {
    return this.scene;
  }

  setTheme(theme: Theme): void {
    this.theme = theme;
    this.requestPaint();
  }

  /** Fits the whole scene in the canvas (never zooming in beyond 1:1). */
  fit(): void {
    if (!this.scene) return;
    const { width, height } = this.scene.layout;
    this.camera.fit({ x: 0, y: 0, width, height }, this.canvas.clientWidth, this.canvas.clientHeight, 1);
    this.requestPaint();
  }

  /** Centres item `index` (keeping the zoom, at least readable). */
  centerOn(index: number): void {
    const rect = this.itemRect(index);
    if (!rect) return;
    this.camera.center(rect.x + rect.width / 2, rect.y + rect.height / 2, this.canvas.clientWidth, this.canvas.clientHeight, 0.8);
    this.requestPaint();
  }

  /** Centres item `index` only when it is not entirely on screen (e.g. after the details pane opened). */
  ensureVisible(index: number): void {
    const rect = this.itemRect(index);
    if (!rect) return;
    const [x0, y0] = this.camera.toScreen(rect.x, rect.y);
    const [x1, y1] = this.camera.toScreen(rect.x + rect.width, rect.y + rect.height);
    if (x0 < 0 || y0 < 0 || x1 > this.canvas.clientWidth || y1 > this.canvas.clientHeight) this.centerOn(index);
  }

  /** World rectangle of an item. */
  itemRect(index: number): { x: number; y: number; width: number; height: number } | null {
    if (!this.scene || index < 0 || index >= this.scene.view.items.length) return null;
    const node = this.scene.view.input.nodes[index]!;
    const p = this.scene.layout.positions;
    return { x: p[2 * index]!, y: p[2 * index + 1]!, width: node.width, height: node.height };
  }

  /** Item under a point in CSS pixels relative to the canvas, or -1. */
  itemAt(screenX: number, screenY: number): number {
    if (!this.scene) return -1;
    const [x, y] = this.camera.toWorld(screenX, screenY);
    const p = this.scene.layout.positions;
    const nodes = this.scene.view.input.nodes;
    for (let i = nodes.length - 1; i >= 0; i--) {
      const nx = p[2 * i]!;
      const ny = p[2 * i + 1]!;
      if (x >= nx && y >= ny && x <= nx + nodes[i]!.width && y <= ny + nodes[i]!.height) return i;
    }
    return -1;
  }

  /** What is under a point in CSS pixels relative to the canvas: a card, its columns toggle or a column row; null for nothing. */
  hitAt(screenX: number, screenY: number): Hit | null {
    const index = this.itemAt(screenX, screenY);
    if (index < 0 || !this.scene) return null;
    const [x, y] = this.camera.toWorld(screenX, screenY);
    const rect = this.itemRect(index)!;
    const item = this.scene.view.items[index]!;
    if (item.kind !== "asset") return { index, part: "card" };
    const rows = item.columns;
    if (rows && y >= rect.y + ASSET_SIZE.height) {
      const row = Math.floor((y - rect.y - ASSET_SIZE.height) / COLUMN_ROW_HEIGHT);
      const entry = rows[Math.min(row, rows.length - 1)]!;
      return { index, part: "column", column: entry.name };
    }
    const tx = rect.x + rect.width + TOGGLE.dx;
    if (this.hasToggle(item.key) && x >= tx && x <= tx + TOGGLE.width && y >= rect.y + TOGGLE.y && y <= rect.y + TOGGLE.y + TOGGLE.height) return { index, part: "toggle" };
    return { index, part: "card" };
  }

  /** World rectangle of a column row of an expanded card, or null when the card does not list it. */
  columnRect(index: number, column: string): { x: number; y: number; width: number; height: number } | null {
    const rect = this.itemRect(index);
    const item = this.scene?.view.items[index];
    if (!rect || item?.kind !== "asset" || !item.columns) return null;
    const row = item.columns.findIndex((c) => c.name === column);
    if (row < 0) return null;
    return { x: rect.x, y: rect.y + ASSET_SIZE.height + row * COLUMN_ROW_HEIGHT, width: rect.width, height: COLUMN_ROW_HEIGHT };
  }

  private hasToggle(key: string): boolean {
    return (this.scene?.columns?.columnsOf(key).length ?? 0) > 0;
  }

  /** Calls `listener` after the next complete paint. */
  onNextPaint(listener: () => void): void {
    this.paintedListeners.push(listener);
    this.requestPaint();
  }

  requestPaint(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.paint();
    });
  }

  /** Paints now. */
  paint(): void {
    const started = performance.now();
    const { canvas, ctx, theme } = this;
    const dpr = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = theme.background;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const scene = this.scene;
    if (scene) {
      const { scale, x: tx, y: ty } = this.camera;
      ctx.setTransform(dpr * scale, 0, 0, dpr * scale, dpr * tx, dpr * ty);
      const [x0, y0] = this.camera.toWorld(0, 0);
      const [x1, y1] = this.camera.toWorld(width, height);
      const viewport = { x0, y0, x1, y1 };
      this.paintGroups(scene, viewport, scale);
      this.paintEdges(scene, viewport, scale);
      this.paintItems(scene, viewport, scale);
    }
    this.lastPaintMs = performance.now() - started;
    const listeners = this.paintedListeners.splice(0);
    for (const listener of listeners) listener();
    if (scene && this.hasVisibleRunning(scene)) this.requestPaint(); // animate RUNNING cards
  }

  private hasVisibleRunning(scene: Scene): boolean {
    for (const item of scene.view.items) if (item.kind === "asset" && scene.model.statusOf(item.key) === "RUNNING") return true;
    return false;
  }

  private paintGroups(scene: Scene, vp: Viewport, scale: number): void {
    const { ctx, theme } = this;
    for (const box of scene.layout.groups) {
      if (box.x > vp.x1 || box.y > vp.y1 || box.x + box.width < vp.x0 || box.y + box.height < vp.y0) continue;
      ctx.fillStyle = theme.groupFill;
      ctx.strokeStyle = theme.groupBorder;
      ctx.lineWidth = 1 / scale;
      roundRect(ctx, box.x, box.y, box.width, box.height, 10);
      ctx.fill();
      ctx.stroke();
      if (scale > 0.2) {
        ctx.fillStyle = theme.groupTitle;
        ctx.font = `600 12px ${theme.fontFamily}`;
        ctx.textBaseline = "middle";
        ctx.fillText(this.truncate(`group:${box.name}`, box.name.toUpperCase(), box.width - 24, ctx), box.x + 12, box.y + 15);
      }
    }
  }

  private paintEdges(scene: Scene, vp: Viewport, scale: number): void {
    const { ctx, theme } = this;
    const { edgePoints: pts, edgeOffsets: offsets } = scene.layout;
    const edges = scene.view.input.edges;
    const focusItem = this.selected >= 0 ? this.selected : this.hovered;
    const highlighted: number[] = [];
    const path = this.columnPath;
    // With a column selected, the asset edges its lineage runs along are highlighted, the others dimmed.
    const onPath = path ? this.pathItemPairs(scene, path) : null;
    ctx.lineWidth = Math.max(1.25, 0.75 / scale);
    ctx.strokeStyle = theme.edge;
    if (onPath) ctx.globalAlpha = 0.25;
    ctx.beginPath();
    for (let e = 0; e < edges.length; e++) {
      const isHighlighted = onPath ? onPath.has(`${edges[e]![0]}>${edges[e]![1]}`) : focusItem >= 0 && (edges[e]![0] === focusItem || edges[e]![1] === focusItem);
      if (isHighlighted) {
        highlighted.push(e);
        continue;
      }
      this.tracePath(pts, offsets[e]!, offsets[e + 1]!, vp);
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
    if (path) this.paintColumnEdges(scene, path, scale);
    if (highlighted.length > 0) {
      ctx.strokeStyle = theme.edgeHighlight;
      ctx.lineWidth = Math.max(2.25, 1.5 / scale);
      ctx.beginPath();
      for (const e of highlighted) this.tracePath(pts, offsets[e]!, offsets[e + 1]!, vp);
      ctx.stroke();
    }
    if (scale < 0.35) return;
    // Arrowheads at the downstream ends.
    ctx.fillStyle = theme.edge;
    if (onPath) ctx.globalAlpha = 0.25;
    ctx.beginPath();
    for (let e = 0; e < edges.length; e++) if (!highlighted.includes(e)) this.traceArrow(pts, offsets[e + 1]!, vp);
    ctx.fill();
    ctx.globalAlpha = 1;
    if (highlighted.length > 0) {
      ctx.fillStyle = theme.edgeHighlight;
      ctx.beginPath();
      for (const e of highlighted) this.traceArrow(pts, offsets[e + 1]!, vp);
      ctx.fill();
    }
  }

  /** `"from>to"` item pairs that a step of the column lineage crosses. */
  private pathItemPairs(scene: Scene, path: ColumnPath): Set<string> {
    const pairs = new Set<string>();
    for (const edge of [...path.upstream, ...path.downstream]) {
      const from = scene.view.itemOf.get(edge.from.key);
      const to = scene.view.itemOf.get(edge.to.key);
      if (from !== undefined && to !== undefined && from !== to) pairs.add(`${from}>${to}`);
    }
    return pairs;
  }

  /** One curve per lineage step whose two columns are listed on screen: source row's right end to target row's left end. */
  private paintColumnEdges(scene: Scene, path: ColumnPath, scale: number): void {
    const { ctx, theme } = this;
    ctx.strokeStyle = theme.accent;
    ctx.lineWidth = Math.max(1.75, 1.25 / scale);
    ctx.setLineDash([5, 3]);
    ctx.beginPath();
    for (const edge of [...path.upstream, ...path.downstream]) {
      const a = this.columnRectOf(scene, edge.from);
      const b = this.columnRectOf(scene, edge.to);
      if (!a || !b) continue;
      const ax = a.x + a.width, ay = a.y + a.height / 2;
      const bx = b.x, by = b.y + b.height / 2;
      const dx = Math.max(Math.abs(bx - ax) / 2, 40);
      ctx.moveTo(ax, ay);
      ctx.bezierCurveTo(ax + dx, ay, bx - dx, by, bx, by);
    }
    ctx.stroke();
    ctx.setLineDash([]);
  }

  private columnRectOf(scene: Scene, ref: ColumnRef): { x: number; y: number; width: number; height: number } | null {
    const index = scene.view.itemOf.get(ref.key);
    return index === undefined ? null : this.columnRect(index, ref.column);
  }

  private tracePath(pts: Float64Array, from: number, to: number, vp: Viewport): void {
    if (to - from < 2) return;
    // Skip routes entirely outside the viewport (bounding box of their points).
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let k = from; k < to; k++) {
      const x = pts[2 * k]!, y = pts[2 * k + 1]!;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    if (minX > vp.x1 || maxX < vp.x0 || minY > vp.y1 || maxY < vp.y0) return;
    const ctx = this.ctx;
    ctx.moveTo(pts[2 * from]!, pts[2 * from + 1]!);
    for (let k = from + 1; k < to; k++) {
      const ax = pts[2 * k - 2]!, ay = pts[2 * k - 1]!;
      const bx = pts[2 * k]!, by = pts[2 * k + 1]!;
      if (ay === by) ctx.lineTo(bx, by);
      else {
        const dx = Math.max(Math.abs(bx - ax) / 2, 24) * Math.sign(bx - ax || 1);
        ctx.bezierCurveTo(ax + dx, ay, bx - dx, by, bx, by);
      }
    }
  }

  private traceArrow(pts: Float64Array, end: number, vp: Viewport): void {
    const x = pts[2 * end - 2]!, y = pts[2 * end - 1]!;
    if (x < vp.x0 || x > vp.x1 || y < vp.y0 || y > vp.y1) return;
    const dir = pts[2 * end - 4]! <= x ? 1 : -1;
    this.ctx.moveTo(x, y);
    this.ctx.lineTo(x - 7 * dir, y - 4);
    this.ctx.lineTo(x - 7 * dir, y + 4);
    this.ctx.closePath();
  }

  private paintItems(scene: Scene, vp: Viewport, scale: number): void {
    const { ctx, theme } = this;
    const p = scene.layout.positions;
    const nodes = scene.view.input.nodes;
    const detailed = scale >= 0.3;
    const pulse = (Math.sin(performance.now() / 220) + 1) / 2;
    for (let i = 0; i < nodes.length; i++) {
      const x = p[2 * i]!, y = p[2 * i + 1]!;
      const { width: w, height: h } = nodes[i]!;
      if (x > vp.x1 || y > vp.y1 || x + w < vp.x0 || y + h < vp.y0) continue;
      const item = scene.view.items[i]!;
      if (item.kind === "group") {
        this.paintGroupCard(scene, item.group, item.keys, x, y, w, h, detailed, i);
        continue;
      }
      const status: LineageStatus = scene.model.statusOf(item.key) ?? "NEVER";
      const colour = theme.status[status];
      const dimmed = this.columnPath !== null && !this.columnPath.assets.has(item.key);
      ctx.globalAlpha = dimmed ? 0.35 : 1;
      if (!detailed) {
        ctx.fillStyle = colour;
        ctx.fillRect(x, y, w, h);
        ctx.globalAlpha = 1;
        continue;
      }
      ctx.fillStyle = theme.card;
      roundRect(ctx, x, y, w, h, 6);
      ctx.fill();
      const isSelected = i === this.selected;
      const ring = isSelected || this.emphasized.has(i) || i === this.hovered;
      ctx.lineWidth = ring ? 2 : 1;
      ctx.strokeStyle = ring ? theme.accent : status === "RUNNING" ? withAlpha(colour, 0.5 + 0.5 * pulse) : theme.cardBorder;
      if (status === "RUNNING" && !ring) ctx.lineWidth = 2;
      ctx.stroke();
      // Status stripe on the left.
      ctx.fillStyle = colour;
      roundRect(ctx, x, y, 5, h, { tl: 6, bl: 6, tr: 0, br: 0 });
      ctx.fill();

      const asset = scene.model.assets.get(item.key)!;
      const checks = checkSummary(asset);
      const badgeWidth = checks.total > 0 ? 34 : 0;
      ctx.textBaseline = "middle";
      ctx.fillStyle = theme.foreground;
      ctx.font = `600 12.5px ${theme.fontFamily}`;
      ctx.fillText(this.truncate(`k:${item.key}`, item.key, w - 26 - badgeWidth, ctx), x + 14, y + 17);
      ctx.font = `11px ${theme.fontFamily}`;
      ctx.fillStyle = colour;
      ctx.beginPath();
      ctx.arc(x + 17.5, y + 33, 3.5, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = theme.muted;
      const kinds = asset.kinds && asset.kinds.length > 0 ? ` · ${asset.kinds.join(", ")}` : "";
      // Right to left on the status line: the columns pill, then the freshness badge.
      const toggle = this.hasToggle(item.key);
      const toggleWidth = toggle ? -TOGGLE.dx : 0;
      const freshness = freshnessBadge(asset.freshness);
      const freshnessWidth = freshness ? this.paintFreshnessBadge(freshness, x + w - 6 - toggleWidth, y + 33) + 6 : 0;
      ctx.font = `11px ${theme.fontFamily}`;
      ctx.fillStyle = theme.muted;
      ctx.fillText(this.truncate(`s:${item.key}:${status}:${freshnessWidth}:${toggle}`, `${STATUS_LABEL[status]}${kinds}`, w - 40 - freshnessWidth - toggleWidth, ctx), x + 26, y + 33);
      if (checks.total > 0) this.paintCheckBadge(checks, x + w - badgeWidth - 6, y + 8);
      if (toggle) this.paintColumnsToggle(scene.columns!.columnsOf(item.key).length, item.columns !== undefined, x + w + TOGGLE.dx, y + TOGGLE.y);
      if (item.columns) this.paintColumnRows(item.key, item.columns, x, y, w);
      if (asset.partitions) this.paintPartitionStrip(asset.partitions, x + 14, y + ASSET_SIZE.height - 7, w - 24);
      ctx.globalAlpha = 1;
    }
  }

  /** The "▸ 3 cols" pill that expands a card (▾ when expanded). */
  private paintColumnsToggle(count: number, expanded: boolean, x: number, y: number): void {
    const { ctx, theme } = this;
    ctx.fillStyle = withAlpha(theme.accent, expanded ? 0.22 : 0.1);
    roundRect(ctx, x, y, TOGGLE.width, TOGGLE.height, 8);
    ctx.fill();
    ctx.fillStyle = theme.foreground;
    ctx.font = `10.5px ${theme.fontFamily}`;
    ctx.textAlign = "center";
    ctx.fillText(`${expanded ? "▾" : "▸"} ${count} col${count === 1 ? "" : "s"}`, x + TOGGLE.width / 2, y + TOGGLE.height / 2 + 0.5);
    ctx.textAlign = "left";
  }

  /** The column rows of an expanded card: those on the selected column's lineage stand out. */
  private paintColumnRows(key: string, rows: readonly ColumnRow[], x: number, y: number, w: number): void {
    const { ctx, theme } = this;
    const path = this.columnPath;
    const top = y + ASSET_SIZE.height;
    ctx.strokeStyle = theme.cardBorder;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(x + 8, top - 0.5);
    ctx.lineTo(x + w - 8, top - 0.5);
    ctx.stroke();
    ctx.textBaseline = "middle";
    rows.forEach((row, i) => {
      const ry = top + i * COLUMN_ROW_HEIGHT;
      const cy = ry + COLUMN_ROW_HEIGHT / 2;
      if (row.name === null) {
        ctx.fillStyle = theme.muted;
        ctx.font = `italic 11px ${theme.fontFamily}`;
        ctx.fillText("No known columns", x + 14, cy);
        return;
      }
      const id = columnId({ key, column: row.name });
      const selected = path !== null && path.column.key === key && path.column.column === row.name;
      const onPath = path?.columns.has(id) ?? false;
      if (onPath) {
        ctx.fillStyle = withAlpha(theme.accent, selected ? 0.32 : 0.16);
        roundRect(ctx, x + 6, ry + 1, w - 12, COLUMN_ROW_HEIGHT - 2, 4);
        ctx.fill();
      }
      const faded = path !== null && !onPath;
      ctx.fillStyle = faded ? withAlpha(theme.muted, 0.7) : theme.foreground;
      ctx.font = `${selected ? "600 " : row.inferred ? "italic " : ""}11.5px ${theme.fontFamily}`;
      ctx.fillText(this.truncate(`c:${key}:${row.name}:${selected}`, row.name, w - (row.type ? 96 : 28), ctx), x + 14, cy);
      if (row.type) {
        ctx.fillStyle = theme.muted;
        ctx.font = `10.5px ${theme.fontFamily}`;
        ctx.textAlign = "right";
        ctx.fillText(this.truncate(`t:${key}:${row.name}`, row.type, 72, ctx), x + w - 10, cy);
        ctx.textAlign = "left";
      }
    });
  }

  /** The compact partition strip along the bottom of a partitioned node: one cell per ~2 px. */
  private paintPartitionStrip(partitions: LineagePartitions, x: number, y: number, width: number): void {
    const { ctx, theme } = this;
    const cells = partitionCells(partitions, Math.floor(width / 2));
    if (cells.length === 0) return;
    const cellWidth = width / cells.length;
    const colours = { M: theme.status.FRESH, F: theme.fail, "-": withAlpha(theme.muted, 0.25) } as const;
    let start = 0;
    // One rectangle per run of equal cells: a 99-day strip is a handful of fills, not 99.
    for (let index = 1; index <= cells.length; index++) {
      if (index < cells.length && cells[index] === cells[start]) continue;
      ctx.fillStyle = colours[cells[start]!];
      ctx.fillRect(x + start * cellWidth, y, (index - start) * cellWidth, 3);
      start = index;
    }
  }

  /** The freshness pill, right-aligned at `right` on the line centred at `y`; returns its width. */
  private paintFreshnessBadge(badge: FreshnessBadge, right: number, y: number): number {
    const { ctx, theme } = this;
    const colour = { pass: theme.pass, warn: theme.status.STALE, fail: theme.fail, muted: theme.muted }[badge.tone];
    ctx.font = `600 10px ${theme.fontFamily}`;
    const width = Math.ceil(ctx.measureText(badge.label).width) + 12;
    ctx.fillStyle = withAlpha(colour, 0.14);
    roundRect(ctx, right - width, y - 7.5, width, 15, 7.5);
    ctx.fill();
    ctx.fillStyle = colour;
    ctx.textBaseline = "middle";
    ctx.fillText(badge.label, right - width + 6, y + 0.5);
    return width;
  }

  private paintCheckBadge(checks: { passed: number; failed: number; total: number }, x: number, y: number): void {
    const { ctx, theme } = this;
    const failed = checks.failed > 0;
    const ran = checks.passed + checks.failed > 0;
    const colour = failed ? theme.fail : ran ? theme.pass : theme.muted;
    ctx.fillStyle = withAlpha(colour, 0.14);
    roundRect(ctx, x, y, 34, 17, 8.5);
    ctx.fill();
    ctx.fillStyle = colour;
    ctx.font = `600 10.5px ${theme.fontFamily}`;
    ctx.textBaseline = "middle";
    const label = failed ? `✕${checks.failed}` : `✓${ran ? checks.passed : checks.total}`;
    ctx.textAlign = "center";
    ctx.fillText(label, x + 17, y + 9);
    ctx.textAlign = "left";
  }

  private paintGroupCard(scene: Scene, group: string, keys: string[], x: number, y: number, w: number, h: number, detailed: boolean, index: number): void {
    const { ctx, theme } = this;
    const counts: Record<LineageStatus, number> = { NEVER: 0, FRESH: 0, STALE: 0, FAILED: 0, RUNNING: 0, UNKNOWN: 0 };
    for (const key of keys) counts[scene.model.statusOf(key) ?? "NEVER"]++;
    ctx.fillStyle = theme.card;
    roundRect(ctx, x, y, w, h, 8);
    ctx.fill();
    const ring = index === this.selected || index === this.hovered || this.emphasized.has(index);
    ctx.lineWidth = ring ? 2 : 1;
    ctx.strokeStyle = ring ? theme.accent : theme.groupBorder;
    ctx.stroke();
    // Status distribution bar along the bottom.
    let bx = x + 12;
    const barWidth = w - 24;
    for (const status of LINEAGE_STATUSES) {
      if (counts[status] === 0) continue;
      const segment = (counts[status] / keys.length) * barWidth;
      ctx.fillStyle = theme.status[status];
      ctx.fillRect(bx, y + h - 14, segment, 5);
      bx += segment;
    }
    if (!detailed) return;
    ctx.textBaseline = "middle";
    ctx.fillStyle = theme.foreground;
    ctx.font = `700 13px ${theme.fontFamily}`;
    ctx.fillText(this.truncate(`g:${group}`, group, w - 24, ctx), x + 12, y + 18);
    ctx.fillStyle = theme.muted;
    ctx.font = `11px ${theme.fontFamily}`;
    const failed = counts.FAILED > 0 ? ` · ${counts.FAILED} failed` : "";
    ctx.fillText(`${keys.length} asset${keys.length === 1 ? "" : "s"}${failed} · collapsed`, x + 12, y + 36);
  }

  /** Text cut to `maxWidth` with an ellipsis (cached: measureText is the costliest call here). */
  private truncate(cacheKey: string, text: string, maxWidth: number, ctx: CanvasRenderingContext2D): string {
    const cached = this.labelCache.get(cacheKey);
    if (cached !== undefined) return cached;
    let result = text;
    if (ctx.measureText(text).width > maxWidth) {
      let lo = 0, hi = text.length;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (ctx.measureText(`${text.slice(0, mid)}…`).width <= maxWidth) lo = mid;
        else hi = mid - 1;
      }
      result = `${text.slice(0, lo)}…`;
    }
    this.labelCache.set(cacheKey, result);
    return result;
  }
}

interface Viewport {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function roundRect(
  ctx: CanvasRenderingContext2D,
  x: number,
  y: number,
  w: number,
  h: number,
  r: number | { tl: number; tr: number; br: number; bl: number },
): void {
  const c = typeof r === "number" ? { tl: r, tr: r, br: r, bl: r } : r;
  ctx.beginPath();
  ctx.moveTo(x + c.tl, y);
  ctx.lineTo(x + w - c.tr, y);
  ctx.arcTo(x + w, y, x + w, y + c.tr, c.tr);
  ctx.lineTo(x + w, y + h - c.br);
  ctx.arcTo(x + w, y + h, x + w - c.br, y + h, c.br);
  ctx.lineTo(x + c.bl, y + h);
  ctx.arcTo(x, y + h, x, y + h - c.bl, c.bl);
  ctx.lineTo(x, y + c.tl);
  ctx.arcTo(x, y, x + c.tl, y, c.tl);
  ctx.closePath();
}

/** `colour` with an alpha, for hex (#rgb / #rrggbb) colours; other syntaxes are returned as-is. */
function withAlpha(colour: string, alpha: number): string {
  const hex = colour.startsWith("#") ? colour.slice(1) : "";
  if (hex.length !== 3 && hex.length !== 6) return colour;
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join("") : hex;
  const n = Number.parseInt(full, 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}
