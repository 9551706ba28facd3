/**
 * The details pane of a selected column: where it comes from (its upstream chain) and what is
 * computed from it (downstream), one line per step (`stg_orders.amount ← raw_payments.amount`),
 * every column a button that selects it, so the lineage can be walked with the keyboard alone.
 */
import { columnLabel, type ColumnEdge, type ColumnLineage, type ColumnPath, type ColumnRef } from "../columns";
import { h } from "./dom";

/** What the pane can ask the app to do. */
export interface ColumnDetailsActions {
  selectColumn(ref: ColumnRef): void;
  selectAsset(key: string): void;
  close(): void;
}

/**
 * The steps of a lineage grouped by the column they compute, in the path's order: for each
 * column, the columns it is computed from (`[to, [from...]]`).
 */
export function chainLines(edges: readonly ColumnEdge[]): Array<{ to: ColumnRef; from: ColumnRef[] }> {
  const lines = new Map<string, { to: ColumnRef; from: ColumnRef[] }>();
  for (const edge of edges) {
    const id = columnLabel(edge.to);
    let line = lines.get(id);
    if (!line) lines.set(id, (line = { to: edge.to, from: [] }));
    if (!line.from.some((f) => f.key === edge.from.key && f.column === edge.from.column)) line.from.push(edge.from);
  }
  return [...lines.values()];
}

/** Fills `pane` with the lineage of the selected column. */
export function renderColumnDetails(pane: HTMLElement, columns: ColumnLineage, path: ColumnPath, actions: ColumnDetailsActions): void {
  const selected = path.column;
  const entry = columns.columnsOf(selected.key).find((c) => c.name === selected.column);
  const link = (ref: ColumnRef): HTMLElement =>
    h(
      "button",
      {
        class: `link column-link${ref.key === selected.key && ref.column === selected.column ? " current" : ""}`,
        type: "button",
        title: `Select ${columnLabel(ref)}`,
        "data-column": columnLabel(ref),
        onclick: () => actions.selectColumn(ref),
      },
      columnLabel(ref),
    );
  const chain = (lines: ReturnType<typeof chainLines>, testId: string): HTMLElement =>
    h(
      "ol",
      { class: "column-chain", "data-testid": testId },
      ...lines.map((line) => h("li", {}, link(line.to), h("span", { class: "arrow", "aria-label": "computed from" }, " ← "), ...line.from.flatMap((f, i) => (i === 0 ? [link(f)] : [", ", link(f)])))),
    );
  const upstream = chainLines(path.upstream);
  const downstream = chainLines(path.downstream);
  pane.replaceChildren(
    h(
      "header",
      {},
      h("div", { class: "details-title" }, h("h2", { title: columnLabel(selected), "data-testid": "column-title" }, columnLabel(selected))),
      h("button", { class: "icon", type: "button", title: "Close (Esc)", "aria-label": "Close column lineage", onclick: () => actions.close() }, "✕"),
    ),
    h(
      "div",
      { class: "chips" },
      h("span", { class: "chip" }, "column"),
      entry?.type ? h("span", { class: "chip" }, `type: ${entry.type}`) : null,
      entry?.inferred ? h("span", { class: "chip", title: "The analysis does not know this asset's columns; a downstream SQL asset reads this one." }, "read downstream") : null,
      h("button", { class: "link", type: "button", title: `Select ${selected.key}`, onclick: () => actions.selectAsset(selected.key) }, `asset: ${selected.key}`),
    ),
    h(
      "section",
      {},
      h("h3", {}, `Upstream (${new Set(path.upstream.map((e) => columnLabel(e.from))).size})`),
      upstream.length === 0 ? h("p", { class: "muted" }, "Computed from no upstream column (a source, a constant, or columns the analysis cannot see).") : chain(upstream, "column-upstream"),
    ),
    h(
      "section",
      {},
      h("h3", {}, `Downstream (${new Set(path.downstream.map((e) => columnLabel(e.to))).size})`),
      downstream.length === 0 ? h("p", { class: "muted" }, "No column is computed from it.") : chain(downstream, "column-downstream"),
    ),
  );
  pane.hidden = false;
}
