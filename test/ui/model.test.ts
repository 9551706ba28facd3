/** The lineage model and view (ui/src): live statuses from run events, filter, focus, collapsed groups. */
import assert from "node:assert/strict";
import { syntheticWarehouse } from "../../bench/lineage/generate";
import { LineageModel } from "../../ui/src/model";
import type { LineageAsset, LineageRunEvent } from "../../ui/src/protocol";
import { buildView, type ViewState } from "../../ui/src/view";

const asset = (key: string, group: string, deps: string[], status: LineageAsset["status"] = "FRESH"): LineageAsset => ({ key, group, deps, status });
const event = (type: LineageRunEvent["type"], stepKey: string | null, data: Record<string, unknown> | null = null): LineageRunEvent => ({
  runId: "r1",
  type,
  stepKey,
  timestamp: "2025-01-01T00:00:00.000Z",
  data,
});
const state = (patch: Partial<ViewState> = {}): ViewState => ({ filter: "", focus: null, depth: 2, grouping: "auto", expandedGroups: new Set(), ...patch });

describe("lineage model and view", () => {
  const graph = () => new LineageModel([asset("raw", "raw", []), asset("stg", "staging", ["raw"]), asset("mart", "marts", ["stg"]), asset("other", "marts", [], "NEVER")]);

  it("turns a run's steps RUNNING at RUN_START, FRESH on materialization, and a FRESH child STALE", () => {
    const model = graph();
    assert.deepEqual([...model.applyRunEvent(event("RUN_START", null, { steps: ["raw"] }))], ["raw"]);
    assert.equal(model.statusOf("raw"), "RUNNING");
    model.applyRunEvent(event("ASSET_MATERIALIZATION", "raw", { assetKey: "raw", metadata: { rows: 3 } }));
    assert.equal(model.statusOf("raw"), "FRESH");
    assert.equal(model.statusOf("stg"), "STALE");
    assert.equal(model.statusOf("mart"), "FRESH", "only direct children turn stale");
    assert.deepEqual(model.assets.get("raw")!.latestMaterialization?.metadata, { rows: 3 });
  });

  it("marks a failed step FAILED and returns unfinished steps to their status when the run ends", () => {
    const model = graph();
    model.applyRunEvent(event("STEP_START", "stg"));
    model.applyRunEvent(event("STEP_START", "mart"));
    model.applyRunEvent(event("STEP_FAILURE", "stg"));
    assert.equal(model.statusOf("stg"), "FAILED");
    assert.equal(model.statusOf("mart"), "RUNNING");
    model.applyRunEvent(event("RUN_FAILURE", null));
    assert.equal(model.statusOf("mart"), "FRESH");
  });

  it("records check results for the badge", () => {
    const model = graph();
    model.applyRunEvent(event("ASSET_CHECK_EVALUATION", "stg", { assetKey: "stg", checkName: "not_null", passed: false, severity: "ERROR" }));
    assert.deepEqual(model.assets.get("stg")!.latestChecks!.map((c) => [c.checkName, c.passed]), [["not_null", false]]);
  });

  it("filters with the selection syntax and reports the parser's error with its offset", () => {
    const model = graph();
    assert.deepEqual(buildView(model, state({ filter: "+mart" })).items.map((i) => i.kind === "asset" && i.key), ["raw", "stg", "mart"]);
    const bad = buildView(model, state({ filter: "group:marts and (" }));
    assert.ok(bad.filterError);
    assert.match(bad.filterError.message, /position/);
    assert.equal(bad.items.length, 4, "a bad filter shows the whole graph");
  });

  it("focuses on an asset N levels up and down", () => {
    const view = buildView(graph(), state({ focus: "stg", depth: 1 }));
    assert.deepEqual(view.items.map((i) => i.kind === "asset" && i.key), ["raw", "stg", "mart"]);
  });

  it("collapses groups above 1,000 assets unless focused, and expands one group on request", () => {
    const model = new LineageModel(syntheticWarehouse(2000));
    const overview = buildView(model, state());
    assert.ok(overview.collapsed);
    assert.equal(overview.items.length, 100);
    assert.ok(overview.items.every((i) => i.kind === "group"));
    const group = overview.items[0]!.kind === "group" ? overview.items[0]!.group : "";
    const expanded = buildView(model, state({ expandedGroups: new Set([group]) }));
    assert.ok(expanded.items.some((i) => i.kind === "asset" && i.group === group));
    const focused = buildView(model, state({ focus: model.keys[1500]!, depth: 1 }));
    assert.ok(!focused.collapsed && focused.items.every((i) => i.kind === "asset"));
  });
});
