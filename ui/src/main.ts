/**
 * Entry point of the lineage UI bundle (runtime/dist/ui/main.js): picks the host, starts the app,
 * and exposes `window.__tributaryLineage`, a tiny API for tests and the bench (so they never scrape
 * pixels).
 */
import { LineageApp, type PaintInfo } from "./app";
import { detectHost } from "./host";
import { bindInput } from "./input";
import { LayoutClient } from "./layoutClient";
import type { LineageStatus, LineageAsset, LineageAssetColumns, LineageRunEvent } from "./protocol";
import { Renderer } from "./render/renderer";
import { readTheme } from "./render/theme";
import type { ViewState } from "./view";
import { byId } from "./panels/dom";

/** The test and bench API on `window.__tributaryLineage`. */
export interface LineageTestApi {
  /** Resolves after the latest data/view change is laid out and painted; `ms` = data to first paint. */
  whenPainted(): Promise<PaintInfo>;
  /** Where an asset (or `group:NAME`) is on screen, in page CSS pixels; null when not in the view. */
  nodeAt(key: string): { x: number; y: number; width: number; height: number } | null;
  statusOf(key: string): LineageStatus | null;
  /** Keys of the assets in the current view (collapsed groups list their assets). */
  visibleKeys(): string[];
  /** Loads a graph as a host would ("expanded" forces every group open, as the bench needs). */
  load(assets: LineageAsset[], options?: { focus?: string; grouping?: ViewState["grouping"] }): Promise<PaintInfo>;
  /** Feeds a run event as a host would. */
  runEvent(event: LineageRunEvent): void;
  /** Feeds column lineage as a host would (`columns` message). */
  columns(assets: LineageAssetColumns[]): Promise<PaintInfo>;
  /** Where a column row of an expanded asset is on screen, in page CSS pixels; null when not listed. */
  columnAt(key: string, column: string): { x: number; y: number; width: number; height: number } | null;
  /** The selected column and the columns and assets its lineage highlights (`key.column`), or null. */
  columnLineage(): { column: string; columns: string[]; assets: string[] } | null;
  /** Current view settings and counters. */
  view(): { filter: string; focus: string | null; depth: number; collapsed: boolean; selected: string | null; layoutCount: number; layoutMode: string; expanded: string[]; hasColumns: boolean };
}

declare global {
  interface Window {
    __tributaryLineage: LineageTestApi;
  }
}

// Captured at load time: the worker script sits next to this one (its URL differs per host).
const scriptSrc = (document.currentScript as HTMLScriptElement | null)?.src ?? "";

function start(): void {
  const canvas = byId<HTMLCanvasElement>("graph");
  const renderer = new Renderer(canvas, readTheme());
  const layouts = new LayoutClient(scriptSrc ? new URL("layout.worker.js", scriptSrc).href : null);
  const host = detectHost();
  document.body.dataset.host = host.kind;
  const app = new LineageApp(host, renderer, layouts);
  bindInput(app);

  // Follow theme switches: VS Code changes the body class, browsers the colour scheme.
  const retheme = (): void => renderer.setTheme(readTheme());
  new MutationObserver(retheme).observe(document.body, { attributes: true, attributeFilter: ["class", "data-vscode-theme-kind"] });
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", retheme);

  window.__tributaryLineage = {
    whenPainted: () => app.whenPainted(),
    nodeAt(key) {
      const index = app.view?.itemOf.get(key);
      const rect = index === undefined ? null : renderer.itemRect(index);
      if (!rect) return null;
      const bounds = canvas.getBoundingClientRect();
      const [x, y] = renderer.camera.toScreen(rect.x, rect.y);
      const s = renderer.camera.scale;
      return { x: bounds.left + x, y: bounds.top + y, width: rect.width * s, height: rect.height * s };
    },
    statusOf: (key) => app.model?.statusOf(key) ?? null,
    visibleKeys: () => (app.view?.items ?? []).flatMap((item) => (item.kind === "asset" ? [item.key] : item.keys)),
    async load(assets, options = {}) {
      await app.load(assets, options.focus, options.grouping);
      return app.whenPainted();
    },
    runEvent: (event) => app.receive({ type: "runEvent", event }),
    async columns(assets) {
      await app.setColumns(assets);
      return app.whenPainted();
    },
    columnAt(key, column) {
      const index = app.view?.itemOf.get(key);
      const rect = index === undefined ? null : renderer.columnRect(index, column);
      if (!rect) return null;
      const bounds = canvas.getBoundingClientRect();
      const [x, y] = renderer.camera.toScreen(rect.x, rect.y);
      const s = renderer.camera.scale;
      return { x: bounds.left + x, y: bounds.top + y, width: rect.width * s, height: rect.height * s };
    },
    columnLineage() {
      const path = app.columnPath;
      if (!path) return null;
      const label = (id: string) => id.replace("\n", ".");
      return { column: `${path.column.key}.${path.column.column}`, columns: [...path.columns].map(label).sort(), assets: [...path.assets].sort() };
    },
    view: () => ({
      filter: app.state.filter,
      focus: app.state.focus,
      depth: app.state.depth,
      collapsed: app.view?.collapsed ?? false,
      selected: app.selectedKey,
      layoutCount: app.layoutCount,
      layoutMode: layouts.mode,
      expanded: [...(app.state.expandedAssets ?? [])].sort(),
      hasColumns: !app.columns.isEmpty,
    }),
  };
  if (new URLSearchParams(window.location.search).get("host") === "none") return; // bench/test: data via the API
  host.start((message) => app.receive(message));
}

start();
