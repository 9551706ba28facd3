/**
 * The details pane (browser host): everything known about the selected asset, with its deps as
 * links and materialize buttons.
 */
import { type ColumnLineage, type ColumnRef } from "../columns";
import type { LineageModel } from "../model";
import { partitionCells, partitionStatusLines, partitionSummary } from "../partitions";
import type { LineageCheckResult, LineagePartitions } from "../protocol";
import { STATUS_LABEL } from "../render/theme";
import { freshnessBadge } from "../freshness";
import { h } from "./dom";

/** What the pane can ask the app to do. */
export interface DetailsActions {
  select(key: string): void;
  materialize(key: string, scope: "this" | "upstream" | "downstream"): void;
  focus(key: string): void;
  close(): void;
  /** Column lineage, for the asset's Columns section. */
  columns?: ColumnLineage;
  selectColumn?(ref: ColumnRef): void;
}

/**
 * The note after a check's name: "passed", or for a failure its severity ("error" or "warning"),
 * then when. The severity only tells how bad a failure is, so a passing check does not show it (a
 * "✓ not_null ERROR" read as an error).
 */
export function checkResultNote(result: LineageCheckResult | undefined): string {
  if (!result) return "not run yet";
  const outcome = result.passed ? "passed" : result.severity === "WARN" ? "failed: warning" : "failed: error";
  return `${outcome} · ${formatTime(result.timestamp)}`;
}

/** Fills `pane` with the details of `key` (or hides it for null). */
export function renderDetails(pane: HTMLElement, model: LineageModel | null, key: string | null, actions: DetailsActions): void {
  const asset = key && model ? model.assets.get(key) : undefined;
  pane.replaceChildren();
  pane.hidden = !asset;
  if (!asset || !model) return;
  const status = model.statusOf(asset.key) ?? "NEVER";
  const link = (k: string): HTMLElement =>
    model.assets.has(k)
      ? h("button", { class: "link", type: "button", title: `Select ${k}`, onclick: () => actions.select(k) }, k)
      : h("span", { class: "missing", title: "Not in the graph" }, `${k} (missing)`);
  const section = (title: string, ...content: Array<Node | string | null | false>): HTMLElement =>
    h("section", {}, h("h3", {}, title), ...content);

  const materialization = asset.latestMaterialization;
  const metadata = materialization ? Object.entries(materialization.metadata ?? {}) : [];
  const checks = asset.latestChecks ?? [];
  const checkNames = new Set([...(asset.checks ?? []), ...checks.map((c) => c.checkName)]);
  const freshness = freshnessBadge(asset.freshness);

  const parts: Array<Node | null> = [
    h(
      "header",
      {},
      h("div", { class: "details-title" }, h("span", { class: `status-dot status-${status.toLowerCase()}` }), h("h2", { title: asset.key }, asset.key)),
      h("button", { class: "icon", type: "button", title: "Close (Esc)", "aria-label": "Close details", onclick: () => actions.close() }, "✕"),
    ),
    h(
      "div",
      { class: "chips" },
      h("span", { class: `chip status-${status.toLowerCase()}`, "data-testid": "details-status" }, STATUS_LABEL[status]),
      freshness ? h("span", { class: `chip freshness-${freshness.tone}`, title: freshness.sentence, "data-testid": "details-freshness" }, `${freshness.label} · ${freshness.sentence}`) : null,
      h("span", { class: "chip" }, `group: ${asset.group}`),
      ...(asset.kinds ?? []).map((kind) => h("span", { class: "chip" }, `kind: ${kind}`)),
    ),
    asset.description ? h("p", { class: "description" }, asset.description) : null,
    h(
      "div",
      { class: "actions" },
      h("button", { class: "primary", type: "button", onclick: () => actions.materialize(asset.key, "this") }, "Materialize"),
      h("button", { type: "button", onclick: () => actions.materialize(asset.key, "upstream") }, "With upstream"),
      h("button", { type: "button", onclick: () => actions.materialize(asset.key, "downstream") }, "With downstream"),
      h("button", { type: "button", onclick: () => actions.focus(asset.key) }, "Focus"),
      // The asset's page in the console (history, checks, runs); the pane only shows in a browser.
      h("a", { class: "button", href: `/assets/${encodeURIComponent(asset.key)}`, "data-testid": "details-asset-page" }, "Open page"),
    ),
    section(
      "Latest materialization",
      materialization
        ? h(
            "dl",
            {},
            h("dt", {}, "When"),
            h("dd", { title: materialization.timestamp }, formatTime(materialization.timestamp)),
            h("dt", {}, "Run"),
            h("dd", { class: "mono" }, materialization.runId),
            ...metadata.flatMap(([name, value]) => [h("dt", {}, name), h("dd", { class: "mono" }, formatValue(value))]),
          )
        : h("p", { class: "muted" }, status === "UNKNOWN" ? "Not known: no daemon answers and storage could not be read." : "Never materialized."),
    ),
    asset.partitions ? partitionsSection(asset.partitions, section) : null,
    columnsSection(asset.key, actions, section),
    section(
      `Checks (${checkNames.size})`,
      checkNames.size === 0
        ? h("p", { class: "muted" }, "No checks defined.")
        : h(
            "ul",
            { class: "checks" },
            ...[...checkNames].map((name) => {
              const result = checks.find((c) => c.checkName === name);
              const state = !result ? "pending" : result.passed ? "passed" : "failed";
              return h(
                "li",
                { class: `check-${state}` },
                h("span", { class: "check-icon" }, state === "passed" ? "✓" : state === "failed" ? "✕" : "○"),
                h("span", {}, name),
                h("span", { class: "muted" }, checkResultNote(result)),
              );
            }),
          ),
    ),
    section(
      `Upstream (${asset.deps.length})`,
      asset.deps.length === 0 ? h("p", { class: "muted" }, "A source asset.") : h("ul", { class: "links" }, ...asset.deps.map((k) => h("li", {}, link(k)))),
    ),
    section(
      `Downstream (${model.childrenOf(asset.key).length})`,
      model.childrenOf(asset.key).length === 0
        ? h("p", { class: "muted" }, "Nothing depends on it.")
        : h("ul", { class: "links" }, ...model.childrenOf(asset.key).map((k) => h("li", {}, link(k)))),
    ),
    asset.owners?.length || Object.keys(asset.tags ?? {}).length
      ? section(
          "Owners and tags",
          h(
            "div",
            { class: "chips" },
            ...(asset.owners ?? []).map((o) => h("span", { class: "chip" }, `owner: ${o}`)),
            ...Object.entries(asset.tags ?? {}).map(([k, v]) => h("span", { class: "chip" }, v ? `${k}=${v}` : k)),
          ),
        )
      : null,
    asset.file ? section("Definition", h("p", { class: "mono" }, `${asset.file}${asset.line ? `:${asset.line}` : ""}`)) : null,
  ];
  pane.append(...parts.filter((part): part is Node => part !== null));
}

/** The asset's columns, each a button selecting it (and so its lineage); nothing without column lineage. */
function columnsSection(key: string, actions: DetailsActions, section: (title: string, ...content: Array<Node | string | null | false>) => HTMLElement): HTMLElement | null {
  const columns = actions.columns;
  if (!columns || columns.isEmpty) return null;
  const list = columns.columnsOf(key);
  const known = columns.knowsColumnsOf(key);
  return section(
    `Columns (${list.length})`,
    list.length === 0
      ? h("p", { class: "muted" }, "Not known statically (a TypeScript asset, or a * over unknown columns).")
      : h(
          "ul",
          { class: "links columns", "data-testid": "details-columns" },
          ...list.map((c) =>
            h(
              "li",
              {},
              h("button", { class: "link", type: "button", title: `Follow ${key}.${c.name}`, onclick: () => actions.selectColumn?.({ key, column: c.name }) }, c.name),
              c.type ? h("span", { class: "muted" }, ` ${c.type}`) : null,
            ),
          ),
        ),
    !known && list.length > 0 ? h("p", { class: "muted" }, "The columns downstream SQL assets read; the full list is known only when it runs.") : null,
  );
}

function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

function formatValue(value: unknown): string {
  if (typeof value === "string") return value;
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Partitions: the definition, the strip, and materialized / failed / missing counts with ranges. */
function partitionsSection(partitions: LineagePartitions, section: (title: string, ...content: Array<Node | string | null | false>) => HTMLElement): HTMLElement {
  const cells = partitionCells(partitions, 60);
  return section(
    `Partitions (${partitions.total})`,
    h("p", { class: "muted" }, partitions.definition),
    h(
      "div",
      { class: "partition-strip", title: partitionSummary(partitions), "data-testid": "details-partition-strip" },
      ...cells.map((cell) => h("span", { class: cell === "M" ? "cell-materialized" : cell === "F" ? "cell-failed" : "cell-missing" })),
    ),
    h(
      "dl",
      { "data-testid": "details-partitions" },
      ...partitionStatusLines(partitions).flatMap((line) => [
        h("dt", {}, `${line.status} ${line.count}`),
        h("dd", { class: "mono" }, line.ranges.length === 0 ? "–" : `${line.ranges.join(", ")}${line.moreRanges > 0 ? ` (+${line.moreRanges} more)` : ""}`),
      ]),
    ),
  );
}
