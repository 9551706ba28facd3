/** Automation conditions on asset(), sqlAsset() and multiAsset(), as the graph (and so the daemon) sees them. */
import assert from "node:assert/strict";
import { asset } from "../../runtime/src/definitions/asset";
import { AutomationCondition } from "../../runtime/src/definitions/automation";
import { definitions } from "../../runtime/src/definitions/definitions";
import { multiAsset } from "../../runtime/src/definitions/multiAsset";
import { DefinitionError } from "../../runtime/src/errors";
import { AssetGraph } from "../../runtime/src/graph/assetGraph";
import { sqlAsset } from "../../runtime/src/sql/sqlAsset";
import { sql } from "../../runtime/src/sql/template";

describe("automation on asset definitions", () => {
  it("reaches the graph from asset(), sqlAsset() and multiAsset() (per output, with the spec's as default)", () => {
    const eager = AutomationCondition.eager();
    const onCron = AutomationCondition.onCron("0 6 * * *", { timezone: "Europe/Paris" });
    const raw = asset({ key: "raw" }, () => 1);
    const stg = asset({ key: "stg", deps: [raw], automation: eager }, () => 2);
    const report = sqlAsset({ key: "report", query: sql`select * from ${stg}`, automation: onCron });
    const split = multiAsset(
      { name: "split", deps: [stg], automation: eager, outs: { open_orders: {}, closed_orders: { automation: AutomationCondition.onMissing() } } },
      () => ({ open_orders: 1, closed_orders: 2 }),
    );
    const graph = new AssetGraph(definitions({ assets: [raw, stg, report, split] }));
    assert.equal(graph.assets.get("raw")!.automation, undefined);
    assert.equal(graph.assets.get("stg")!.automation, eager);
    assert.equal(graph.assets.get("report")!.automation, onCron);
    assert.equal(graph.assets.get("open_orders")!.automation, eager);
    assert.equal(graph.assets.get("closed_orders")!.automation!.describe(), "on_missing");
  });

  it("rejects an automation that is not a condition, naming the file and line", () => {
    assert.throws(
      () => asset({ key: "x", automation: "eager" as unknown as AutomationCondition }, () => 1),
      (error: unknown) => error instanceof DefinitionError && /definitions\.test\.ts:\d+/.test(error.message) && /automation must be an automation condition/.test(error.message),
    );
  });
});
