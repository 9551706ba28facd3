/**
 * User input: pointer (pan, zoom, click, double-click, context menu), keyboard navigation on the
 * canvas, and the toolbar (filter, search, focus depth, grouping, fit).
 */
import type { LineageApp } from "./app";
import { openContextMenu, type MenuEntry } from "./panels/contextMenu";
import { byId, h } from "./panels/dom";

/** Wires every control of the page to `app`. */
export function bindInput(app: LineageApp): void {
  bindPointer(app);
  bindKeyboard(app);
  bindToolbar(app);
}

function bindPointer(app: LineageApp): void {
  const canvas = app.renderer.canvas;
  const { camera } = app.renderer;
  let drag: { x: number; y: number; moved: boolean; id: number } | null = null;
  const local = (event: MouseEvent): [number, number] => {
    const rect = canvas.getBoundingClientRect();
    return [event.clientX - rect.left, event.clientY - rect.top];
  };
  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    drag = { x: event.clientX, y: event.clientY, moved: false, id: event.pointerId };
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (drag && drag.id === event.pointerId) {
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (drag.moved || Math.abs(dx) + Math.abs(dy) > 3) {
        drag.moved = true;
        camera.pan(dx, dy);
        drag.x = event.clientX;
        drag.y = event.clientY;
        canvas.classList.add("panning");
        app.renderer.requestPaint();
      }
      return;
    }
    const hovered = app.renderer.itemAt(...local(event));
    if (hovered !== app.renderer.hovered) {
      app.renderer.hovered = hovered;
      canvas.style.cursor = hovered >= 0 ? "pointer" : "grab";
      app.renderer.requestPaint();
    }
  });
  canvas.addEventListener("pointerup", (event) => {
    const wasDrag = drag?.moved ?? false;
    drag = null;
    canvas.classList.remove("panning");
    if (wasDrag || event.button !== 0) return;
    const hit = app.renderer.hitAt(...local(event));
    const item = hit ? app.view?.items[hit.index] : undefined;
    if (!hit || !item) {
      if (app.columnPath) void app.selectColumn(null);
      app.select(null);
      return;
    }
    if (item.kind === "group") app.toggleGroup(item.group);
    else if (hit.part === "toggle") void app.toggleColumns(item.key);
    else if (hit.part === "column" && hit.column !== null) void app.selectColumn({ key: item.key, column: hit.column });
    else app.select(item.key, { open: true });
  });
  canvas.addEventListener("dblclick", (event) => {
    const index = app.renderer.itemAt(...local(event));
    const item = index >= 0 ? app.view?.items[index] : undefined;
    if (item?.kind === "asset") app.setFocus(item.key);
  });
  canvas.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault();
      if (event.shiftKey || (!event.ctrlKey && Math.abs(event.deltaX) > Math.abs(event.deltaY))) camera.pan(-event.deltaX - (event.shiftKey ? event.deltaY : 0), event.shiftKey ? 0 : -event.deltaY);
      else camera.zoomAt(...local(event), Math.exp(-event.deltaY * (event.ctrlKey ? 0.01 : 0.0015)));
      app.renderer.requestPaint();
    },
    { passive: false },
  );
  canvas.addEventListener("contextmenu", (event) => {
    event.preventDefault();
    const index = app.renderer.itemAt(...local(event));
    const item = index >= 0 ? app.view?.items[index] : undefined;
    if (!item) return;
    let entries: MenuEntry[];
    if (item.kind === "group") {
      entries = [
        { label: "Expand group", run: () => app.toggleGroup(item.group) },
        { label: `Materialize group ${item.group}`, run: () => void app.host.materialize(`group:${item.group}`).then((r) => app.notice(r.message, r.ok ? "info" : "error")) },
      ];
    } else {
      app.select(item.key);
      entries = [
        { label: "Materialize", run: () => void app.materialize(item.key, "this"), testId: "menu-materialize" },
        { label: "Materialize with upstream", run: () => void app.materialize(item.key, "upstream"), testId: "menu-materialize-upstream" },
        { label: "Materialize with downstream", run: () => void app.materialize(item.key, "downstream"), testId: "menu-materialize-downstream" },
        null,
        { label: "Focus here", run: () => app.setFocus(item.key) },
        { label: app.expandedAssets.has(item.key) ? "Hide columns" : "Show columns", run: () => void app.toggleColumns(item.key), testId: "menu-columns" },
        { label: app.host.kind === "vscode" ? "Go to definition" : "Show details", run: () => app.open(item.key) },
      ];
    }
    openContextMenu(byId("context-menu"), event.clientX, event.clientY, entries);
  });
  new ResizeObserver(() => app.renderer.requestPaint()).observe(canvas);
}

/**
 * Arrows move between assets (left: upstream, right: downstream, up/down: neighbours in the column),
 * Enter opens, + / - change the focus depth, F focuses, 0 fits, Escape clears, / searches.
 * C lists the selected asset's columns and selects the first; with a column selected, up/down move
 * between the asset's columns, left/right follow its lineage one step, C hides the columns and
 * Escape goes back to the asset.
 */
function bindKeyboard(app: LineageApp): void {
  const canvas = app.renderer.canvas;
  canvas.addEventListener("keydown", (event) => {
    const view = app.view;
    if (!view) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (app.columnPath && columnKey(app, event.key)) {
      event.preventDefault();
      return;
    }
    const current = app.renderer.selected;
    const rect = (i: number) => app.renderer.itemRect(i)!;
    const keyOf = (i: number): string | null => {
      const item = view.items[i];
      return item?.kind === "asset" ? item.key : null;
    };
    const nearest = (candidates: number[]): number => {
      if (candidates.length === 0) return -1;
      const from = rect(current);
      return candidates.reduce((best, c) => (Math.abs(rect(c).y - from.y) < Math.abs(rect(best).y - from.y) ? c : best));
    };
    const move = (target: number): void => {
      if (target < 0) return;
      const key = keyOf(target);
      if (key) app.select(key, { center: true });
      else {
        app.renderer.selected = target;
        app.renderer.centerOn(target);
      }
    };
    switch (event.key) {
      case "ArrowLeft":
      case "ArrowRight": {
        if (current < 0) return move(firstVisible(app));
        const edges = view.input.edges;
        const next = event.key === "ArrowLeft" ? edges.filter((e) => e[1] === current).map((e) => e[0]) : edges.filter((e) => e[0] === current).map((e) => e[1]);
        move(nearest(next));
        break;
      }
      case "ArrowUp":
      case "ArrowDown": {
        if (current < 0) return move(firstVisible(app));
        const from = rect(current);
        let best = -1;
        let bestDistance = Infinity;
        for (let i = 0; i < view.items.length; i++) {
          const r = rect(i);
          const dy = r.y - from.y;
          if (Math.abs(r.x - from.x) > 1 || (event.key === "ArrowUp" ? dy >= 0 : dy <= 0)) continue;
          if (Math.abs(dy) < bestDistance) {
            bestDistance = Math.abs(dy);
            best = i;
          }
        }
        move(best);
        break;
      }
      case "Enter": {
        const item = view.items[current];
        if (item?.kind === "asset") app.open(item.key);
        else if (item?.kind === "group") app.toggleGroup(item.group);
        break;
      }
      case "+":
      case "=": {
        const key = app.state.focus ?? keyOf(current);
        if (key) app.setFocus(key, app.state.focus ? app.state.depth + 1 : app.state.depth);
        break;
      }
      case "-": {
        if (app.state.focus) app.setFocus(app.state.focus, app.state.depth - 1);
        break;
      }
      case "f": {
        const key = keyOf(current);
        if (key) app.setFocus(key);
        break;
      }
      case "c": {
        const key = keyOf(current);
        if (!key) break;
        const first = app.columns.columnsOf(key)[0];
        if (first) void app.selectColumn({ key, column: first.name });
        else void app.toggleColumns(key);
        break;
      }
      case "0":
        app.renderer.fit();
        break;
      case "Escape":
        if (app.state.focus) app.setFocus(null);
        else app.select(null);
        byId("details").hidden = true;
        break;
      case "/":
        byId<HTMLInputElement>("search").focus();
        break;
      default:
        return;
    }
    event.preventDefault();
  });
}

/** Keys while a column is selected; true when handled. */
function columnKey(app: LineageApp, key: string): boolean {
  const path = app.columnPath!;
  const at = path.column;
  switch (key) {
    case "ArrowUp":
    case "ArrowDown": {
      const list = app.columns.columnsOf(at.key);
      const index = list.findIndex((c) => c.name === at.column);
      const next = list[index + (key === "ArrowUp" ? -1 : 1)];
      if (next) void app.selectColumn({ key: at.key, column: next.name }, { center: true });
      return true;
    }
    case "ArrowLeft":
    case "ArrowRight": {
      const next = (key === "ArrowLeft" ? app.columns.sourcesOf(at) : app.columns.consumersOf(at))[0];
      if (next) void app.selectColumn(next, { center: true });
      return true;
    }
    case "c":
      void app.selectColumn(null);
      void app.toggleColumns(at.key, false);
      return true;
    case "Escape":
      byId("details").hidden = true;
      void app.selectColumn(null);
      return true;
    case "Enter":
      app.showColumnDetails();
      return true;
    default:
      return false;
  }
}

function firstVisible(app: LineageApp): number {
  return app.view && app.view.items.length > 0 ? 0 : -1;
}

function bindToolbar(app: LineageApp): void {
  const filter = byId<HTMLInputElement>("filter");
  let filterTimer: ReturnType<typeof setTimeout> | undefined;
  filter.addEventListener("input", () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => app.setFilter(filter.value), 150);
  });
  filter.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      clearTimeout(filterTimer);
      app.setFilter(filter.value);
    }
  });

  const search = byId<HTMLInputElement>("search");
  const results = byId<HTMLUListElement>("search-results");
  let matches: string[] = [];
  let active = 0;
  const choose = (key: string): void => {
    results.hidden = true;
    search.value = key;
    app.select(key, { center: true, open: app.host.kind === "browser" });
    app.renderer.canvas.focus();
  };
  const renderResults = (): void => {
    results.replaceChildren(
      ...matches.map((key, i) =>
        h("li", { role: "option", "aria-selected": String(i === active), class: i === active ? "active" : "", onmousedown: (e: Event) => (e.preventDefault(), choose(key)) }, key),
      ),
    );
    results.hidden = matches.length === 0;
  };
  search.addEventListener("input", () => {
    const text = search.value.trim().toLowerCase();
    const keys = app.model?.keys ?? [];
    matches = text === "" ? [] : keys.filter((k) => k.toLowerCase().includes(text)).sort((a, b) => a.length - b.length).slice(0, 12);
    active = 0;
    renderResults();
  });
  search.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      active = (active + (event.key === "ArrowDown" ? 1 : -1) + matches.length) % Math.max(matches.length, 1);
      renderResults();
    } else if (event.key === "Enter" && matches[active]) choose(matches[active]!);
    else if (event.key === "Escape") results.hidden = true;
    else return;
    event.preventDefault();
  });
  search.addEventListener("blur", () => (results.hidden = true));

  byId("depth-minus").addEventListener("click", () => app.state.focus && app.setFocus(app.state.focus, app.state.depth - 1));
  byId("depth-plus").addEventListener("click", () => app.state.focus && app.setFocus(app.state.focus, app.state.depth + 1));
  byId("focus-clear").addEventListener("click", () => app.setFocus(null));
  byId("toggle-groups").addEventListener("click", () => app.setGrouping(app.view?.collapsed ? "expanded" : "collapsed"));
  byId("fit").addEventListener("click", () => app.renderer.fit());
}
