/**
 * The lineage app: holds the model and the view state, asks for layouts, hands scenes to the
 * renderer, and turns user gestures into host calls. Live run events only repaint.
 */
import { formatSelection } from "tributary-ts/selection";
import { ColumnLineage, columnLabel, type ColumnPath, type ColumnRef } from "./columns";
import type { LayoutClient } from "./layoutClient";
import { LineageModel } from "./model";
import { renderColumnDetails } from "./panels/columnDetails";
import { renderDetails } from "./panels/details";
import { byId } from "./panels/dom";
import type { LineageHost } from "./host";
import type { HostToUiMessage, LineageAsset, LineageAssetColumns } from "./protocol";
import type { Renderer } from "./render/renderer";
import { LINEAGE_STATUSES } from "./protocol";
import { buildView, COLLAPSE_THRESHOLD, type ViewGraph, type ViewState } from "./view";

/** Timing of the latest data load, for the status line, the tests and the bench. */
export interface PaintInfo {
  /** From data received to its first complete paint. */
  ms: number;
  layoutMs: number;
  paintMs: number;
  cached: boolean;
  items: number;
  edges: number;
  layoutMode: string;
}

/** The application controller. */
export class LineageApp {
  model: LineageModel | null = null;
  view: ViewGraph | null = null;
  readonly state: ViewState = { filter: "", focus: null, depth: 2, grouping: "auto", expandedGroups: new Set() };
  /** Key of the selected asset (kept across re-layouts). */
  selectedKey: string | null = null;
  /** Column lineage from the host (empty until it sends some). */
  columns = new ColumnLineage();
  private columnData: LineageAssetColumns[] = [];
  /** Assets the user expanded to their columns. */
  readonly expandedAssets = new Set<string>();
  /** The selected column and its lineage (its assets are expanded while it is selected). */
  columnPath: ColumnPath | null = null;
  private buildToken = 0;
  private building: Promise<void> = Promise.resolve();
  private loadStartedAt = 0;
  private firstPaint: PaintInfo | null = null;
  private firstPaintWaiters: Array<(info: PaintInfo) => void> = [];
  private fitOnNextScene = true;
  layoutCount = 0;

  constructor(
    readonly host: LineageHost,
    readonly renderer: Renderer,
    readonly layouts: LayoutClient,
  ) {}

  /** Handles a host message. */
  receive(message: HostToUiMessage): void {
    switch (message.type) {
      case "graph":
        this.load(message.assets, message.focus);
        break;
      case "columns":
        this.setColumns(message.assets);
        break;
      case "runEvent": {
        if (!this.model) return;
        const changed = this.model.applyRunEvent(message.event);
        if (changed.size === 0) return;
        this.renderer.requestPaint();
        this.refreshStatusLine();
        if (this.selectedKey && changed.has(this.selectedKey)) this.showDetails(this.selectedKey);
        break;
      }
      case "focus":
        this.setFocus(message.key, message.depth ?? this.state.depth);
        break;
      case "notice":
        this.notice(message.message, message.level);
        break;
    }
  }

  /** Replaces the graph. Reuses the cached layout when its shape did not change. */
  load(assets: LineageAsset[], focus?: string, grouping?: ViewState["grouping"]): Promise<void> {
    this.loadStartedAt = performance.now();
    this.firstPaint = null;
    const previousKeys = this.model ? this.model.keys.join("\n") : null;
    this.model = new LineageModel(assets);
    this.columns = new ColumnLineage(this.columnData, this.model.keys);
    this.refreshColumnPath();
    if (grouping) this.state.grouping = grouping;
    if (focus && this.model.assets.has(focus)) {
      this.state.focus = focus;
      this.selectedKey = focus;
    } else if (this.state.focus && !this.model.assets.has(this.state.focus)) this.state.focus = null;
    // A refresh of the same graph (e.g. after a run) keeps the camera where the user left it.
    this.fitOnNextScene = previousKeys !== this.model.keys.join("\n") || Boolean(focus);
    byId("empty").hidden = assets.length > 0;
    return this.rebuild();
  }

  /** Replaces the column lineage (the host's `columns` message). */
  setColumns(assets: LineageAssetColumns[]): Promise<void> {
    this.columnData = assets;
    this.columns = new ColumnLineage(assets, this.model?.keys ?? []);
    this.refreshColumnPath();
    return this.rebuild();
  }

  /** Expands or collapses an asset's card to its columns. */
  toggleColumns(key: string, expanded = !this.expandedAssets.has(key)): Promise<void> {
    if (expanded) this.expandedAssets.add(key);
    else {
      this.expandedAssets.delete(key);
      if (this.columnPath?.column.key === key) this.columnPath = null;
    }
    return this.rebuild();
  }

  /**
   * Selects a column (or clears the column selection): its lineage upstream and downstream is
   * highlighted across the graph, the rest dimmed; the assets on it are expanded while it stays
   * selected, and the details pane lists the chain.
   */
  selectColumn(ref: ColumnRef | null, options: { center?: boolean } = {}): Promise<void> {
    if (ref && this.model && !this.model.assets.has(ref.key)) {
      this.notice(`No asset "${ref.key}" in this graph.`, "error");
      return this.building;
    }
    this.columnPath = ref ? this.columns.pathOf(ref) : null;
    if (ref) {
      this.selectedKey = ref.key;
      // Columns on the path outside the view (filtered out, or beyond the focus) cannot be shown: show the whole graph.
      if (this.view && [...this.columnPath!.assets].some((key) => !this.view!.itemOf.has(key) || this.view!.items[this.view!.itemOf.get(key)!]!.kind !== "asset")) {
        this.state.focus = null;
        this.state.filter = "";
        byId<HTMLInputElement>("filter").value = "";
        if (this.state.grouping !== "expanded") this.state.grouping = "expanded";
      }
    }
    const built = this.rebuild();
    void built.then(() => {
      const index = ref ? this.view?.itemOf.get(ref.key) : undefined;
      if (index !== undefined && options.center) this.renderer.centerOn(index);
    });
    this.showColumnDetails();
    return built;
  }

  /** The lineage of the selected column again, after the graph or the columns changed. */
  private refreshColumnPath(): void {
    const ref = this.columnPath?.column;
    this.columnPath = ref && this.columns.has(ref) && this.model?.assets.has(ref.key) ? this.columns.pathOf(ref) : null;
  }

  /** Recomputes the view and its layout, then paints. */
  rebuild(): Promise<void> {
    const model = this.model;
    if (!model) return this.building;
    const token = ++this.buildToken;
    const expanded = new Set(this.expandedAssets);
    for (const key of this.columnPath?.assets ?? []) expanded.add(key);
    this.state.expandedAssets = expanded;
    const view = buildView(model, this.state, this.columns);
    this.showFilterError(view);
    this.building = (async () => {
      const outcome = await this.layouts.layout(view.input);
      if (token !== this.buildToken) return;
      if (!outcome.cached) this.layoutCount++;
      this.view = view;
      const selected = this.selectedKey;
      this.renderer.setScene({ view, layout: outcome.result, model, columns: this.columns });
      this.renderer.columnPath = this.columnPath;
      if (selected && view.itemOf.has(selected)) this.renderer.selected = view.itemOf.get(selected)!;
      const focusIndex = this.state.focus ? view.itemOf.get(this.state.focus) : undefined;
      if (focusIndex !== undefined) this.renderer.emphasized.add(focusIndex);
      if (this.fitOnNextScene) this.renderer.fit();
      this.fitOnNextScene = false;
      this.refreshToolbar();
      this.refreshStatusLine();
      this.renderer.onNextPaint(() => {
        if (token !== this.buildToken || this.firstPaint) return;
        this.firstPaint = {
          ms: performance.now() - this.loadStartedAt,
          layoutMs: outcome.ms,
          paintMs: this.renderer.lastPaintMs,
          cached: outcome.cached,
          items: view.items.length,
          edges: view.input.edges.length,
          layoutMode: outcome.cached ? "cache" : this.layouts.mode,
        };
        this.refreshStatusLine();
        for (const waiter of this.firstPaintWaiters.splice(0)) waiter(this.firstPaint);
      });
    })();
    return this.building;
  }

  /** Resolves once the latest data and view changes are laid out and painted. */
  async whenPainted(): Promise<PaintInfo> {
    let building: Promise<void>;
    do {
      building = this.building;
      await building;
    } while (building !== this.building);
    if (this.firstPaint) {
      await new Promise<void>((resolve) => this.renderer.onNextPaint(resolve));
      return this.firstPaint;
    }
    return new Promise((resolve) => this.firstPaintWaiters.push(resolve));
  }

  setFilter(text: string): void {
    this.state.filter = text;
    this.fitOnNextScene = true;
    void this.rebuild();
  }

  setFocus(key: string | null, depth = this.state.depth): void {
    if (key && this.model && !this.model.assets.has(key)) {
      this.notice(`No asset "${key}" in this graph.`, "error");
      return;
    }
    this.state.focus = key;
    this.state.depth = Math.max(1, Math.min(depth, 20));
    if (key) this.selectedKey = key;
    this.fitOnNextScene = true;
    void this.rebuild();
  }

  toggleGroup(group: string): void {
    if (this.state.expandedGroups.has(group)) this.state.expandedGroups.delete(group);
    else this.state.expandedGroups.add(group);
    void this.rebuild();
  }

  setGrouping(grouping: ViewState["grouping"]): void {
    this.state.grouping = grouping;
    this.state.expandedGroups.clear();
    this.fitOnNextScene = true;
    void this.rebuild();
  }

  /** Selects an asset (or clears the selection); centres it when it is off screen. */
  select(key: string | null, options: { center?: boolean; open?: boolean } = {}): void {
    if (this.columnPath) {
      this.columnPath = null;
      this.renderer.columnPath = null;
      void this.rebuild();
    }
    this.selectedKey = key;
    const index = key && this.view ? this.view.itemOf.get(key) : undefined;
    if (key && index === undefined && this.model?.assets.has(key)) {
      // Not in the current view (filtered or outside the focus): focus on it.
      this.setFocus(key);
      return;
    }
    this.renderer.selected = index ?? -1;
    if (index !== undefined && options.center) this.renderer.centerOn(index);
    this.renderer.requestPaint();
    if (options.open && key) this.open(key);
    else if (this.host.kind === "browser" && !byId("details").hidden) this.showDetails(key);
  }

  /** Opens an asset: the details pane in a browser, the definition in VS Code. */
  open(key: string): void {
    const asset = this.model?.assets.get(key);
    if (!asset) return;
    if (this.host.kind === "vscode") this.host.reveal(asset);
    else this.showDetails(key);
  }

  /** The details pane of the selected column: its lineage upstream and downstream, each column a link. */
  showColumnDetails(): void {
    const path = this.columnPath;
    if (!path) return;
    renderColumnDetails(byId("details"), this.columns, path, {
      selectColumn: (ref) => void this.selectColumn(ref, { center: true }),
      selectAsset: (key) => this.select(key, { center: true, open: true }),
      close: () => {
        byId("details").hidden = true;
        void this.selectColumn(null);
        byId("graph").focus();
      },
    });
    this.announce(`${columnLabel(path.column)}: ${path.upstream.length} upstream, ${path.downstream.length} downstream`);
  }

  /** Says `text` to screen readers (the canvas itself has no text). */
  announce(text: string): void {
    byId("graph").setAttribute("aria-description", text);
  }

  showDetails(key: string | null): void {
    if (this.host.kind !== "browser") return;
    renderDetails(byId("details"), this.model, key, {
      select: (k) => this.select(k, { center: true, open: true }),
      columns: this.columns,
      selectColumn: (ref) => void this.selectColumn(ref, { center: true }),
      materialize: (k, scope) => void this.materialize(k, scope),
      focus: (k) => this.setFocus(k),
      close: () => {
        byId("details").hidden = true;
        byId("graph").focus();
      },
    });
    // The pane narrows the canvas: keep the selected asset in sight.
    const index = key ? this.view?.itemOf.get(key) : undefined;
    if (index !== undefined) requestAnimationFrame(() => this.renderer.ensureVisible(index));
  }

  /** Materializes an asset alone, with its upstream, or with its downstream. */
  async materialize(key: string, scope: "this" | "upstream" | "downstream"): Promise<void> {
    const operand = { type: "key" as const, key, start: 0, end: 0 };
    const selection = formatSelection(
      scope === "this" ? operand : { type: "traversal", operand, up: scope === "upstream" ? "all" : null, down: scope === "downstream" ? "all" : null, start: 0, end: 0 },
    );
    const outcome = await this.host.materialize(selection);
    this.notice(outcome.message, outcome.ok ? "info" : "error");
  }

  notice(message: string | null, level: "info" | "error" = "info"): void {
    const element = byId("notice");
    element.hidden = message === null;
    element.textContent = message ?? "";
    element.className = `notice notice-${level}`;
    if (message && level === "info") setTimeout(() => element.textContent === message && (element.hidden = true), 5000);
  }

  private showFilterError(view: ViewGraph): void {
    const error = byId("filter-error");
    const input = byId<HTMLInputElement>("filter");
    error.hidden = !view.filterError;
    error.textContent = view.filterError ? view.filterError.message : "";
    input.setAttribute("aria-invalid", view.filterError ? "true" : "false");
  }

  private refreshToolbar(): void {
    const focusBox = byId("focus-controls");
    focusBox.hidden = !this.state.focus;
    byId("focus-label").textContent = this.state.focus ?? "";
    byId("depth").textContent = String(this.state.depth);
    const toggle = byId<HTMLButtonElement>("toggle-groups");
    const collapsed = this.view?.collapsed ?? false;
    toggle.textContent = collapsed ? "Expand groups" : "Collapse groups";
    toggle.setAttribute("aria-pressed", String(collapsed));
  }

  refreshStatusLine(): void {
    const model = this.model;
    const view = this.view;
    if (!model || !view) return;
    const counts = new Map(LINEAGE_STATUSES.map((s) => [s, 0]));
    for (const item of view.items) {
      const keys = item.kind === "asset" ? [item.key] : item.keys;
      for (const key of keys) {
        const status = model.statusOf(key) ?? "NEVER";
        counts.set(status, counts.get(status)! + 1);
      }
    }
    for (const status of LINEAGE_STATUSES) byId(`count-${status.toLowerCase()}`).textContent = String(counts.get(status));
    // "Unknown" only happens without a daemon (the editor's host): no legend entry otherwise.
    (byId("count-unknown").parentElement as HTMLElement).hidden = counts.get("UNKNOWN") === 0;
    const shown = view.assetCount === model.keys.length ? `${model.keys.length} assets` : `${view.assetCount} of ${model.keys.length} assets`;
    const collapsed = view.collapsed ? ` · groups collapsed (over ${COLLAPSE_THRESHOLD})` : "";
    const timing = this.firstPaint
      ? ` · ${this.firstPaint.cached ? "layout cached" : `layout ${Math.round(this.firstPaint.layoutMs)} ms`} · paint ${this.firstPaint.paintMs.toFixed(1)} ms`
      : "";
    byId("summary").textContent = `${shown}${collapsed}${timing}`;
  }
}
