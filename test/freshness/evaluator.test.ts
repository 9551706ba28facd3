/**
 * Freshness policies at definition time (durations checked, errors naming the asset, its file:line
 * and the fix) and the pure evaluator, with an injected clock: the boundaries are Dagster's
 * (`TimeWindowFreshnessPolicyEvaluator`: an age at the window is past it).
 */
import assert from "node:assert/strict";
import { asset, evaluateFreshness, multiAsset, parseDuration, sql, sqlAsset } from "../../runtime/src/index";
import { DefinitionError } from "../../runtime/src/errors";
import { normalizeFreshness, type FreshnessPolicy } from "../../runtime/src/definitions/freshness";
import { AssetGraph } from "../../runtime/src/graph/assetGraph";
import { definitions } from "../../runtime/src/definitions/definitions";

const HOUR = 3_600_000;
const T0 = Date.parse("2024-05-01T00:00:00.000Z");
const policy = (maxLag: string, warnAfter?: string): FreshnessPolicy =>
  normalizeFreshness(warnAfter === undefined ? { maxLag } : { maxLag, warnAfter }, "asset \"t\"", undefined)!;

function definitionError(run: () => unknown, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof DefinitionError, String(error));
    assert.match(error.message, message);
    assert.match(error.message, /evaluator\.test\.ts:\d+/, "the error names the user's file and line");
    return true;
  });
}

describe("freshness policies", () => {
  describe("durations", () => {
    it("reads a whole number and a unit of seconds, minutes, hours, days or weeks", () => {
      assert.equal(parseDuration("90s"), 90_000);
      assert.equal(parseDuration("30m"), 30 * 60_000);
      assert.equal(parseDuration("24h"), 24 * HOUR);
      assert.equal(parseDuration("7d"), 7 * 24 * HOUR);
      assert.equal(parseDuration("2w"), 14 * 24 * HOUR);
    });

    it("refuses what is not one: no unit, a fraction, zero, a negative, a word", () => {
      for (const text of ["24", "1.5h", "0h", "-1h", "1 day", "h", "", "1y"]) assert.equal(parseDuration(text), undefined, text);
      assert.equal(parseDuration(24), undefined);
    });
  });

  describe("on asset(), sqlAsset() and multiAsset()", () => {
    it("is carried by the definition and the asset graph", () => {
      const orders = asset({ key: "orders", freshness: { maxLag: "24h", warnAfter: "12h" } }, () => 1);
      assert.deepEqual(orders.freshness, { maxLag: "24h", maxLagMs: 24 * HOUR, warnAfter: "12h", warnAfterMs: 12 * HOUR });
      const table = sqlAsset({ key: "totals", query: sql`select 1 as n`, freshness: { maxLag: "30m" } });
      assert.equal(table.freshness?.maxLagMs, 30 * 60_000);
      assert.equal(table.freshness?.warnAfter, undefined);
      const split = multiAsset(
        { name: "split", freshness: { maxLag: "7d" }, outs: { open_orders: {}, closed_orders: { freshness: { maxLag: "1d" } } } },
        () => ({ open_orders: 1, closed_orders: 2 }),
      );
      assert.equal(split.outs.open_orders.freshness?.maxLag, "7d", "an output without a policy takes the multi-asset's");
      assert.equal(split.outs.closed_orders.freshness?.maxLag, "1d");
      const graph = new AssetGraph(definitions({ assets: [orders, table, split, asset({ key: "plain" }, () => 0)] }));
      assert.equal(graph.assets.get("orders")?.freshness?.warnAfter, "12h");
      assert.equal(graph.assets.get("closed_orders")?.freshness?.maxLag, "1d");
      assert.equal(graph.assets.get("plain")?.freshness, undefined);
    });

    it("names the asset, the file and line, and the fix for a duration that is not one", () => {
      definitionError(() => asset({ key: "orders", freshness: { maxLag: "1 day" as "1d" } }, () => 1), /asset "orders": freshness\.maxLag "1 day" is not a duration/);
      definitionError(() => sqlAsset({ key: "totals", query: sql`select 1`, freshness: { maxLag: "2h", warnAfter: "soon" as "1h" } }), /sqlAsset "totals": freshness\.warnAfter "soon"/);
      definitionError(
        () => multiAsset({ name: "split", outs: { a: { freshness: {} as { maxLag: "1h" } } } }, () => ({ a: 1 })),
        /multiAsset "split", output "a": freshness needs maxLag/,
      );
    });

    it("refuses a warnAfter that is not shorter than maxLag, and fields it does not know", () => {
      definitionError(() => asset({ key: "orders", freshness: { maxLag: "12h", warnAfter: "12h" } }, () => 1), /warnAfter \(12h\) must be shorter than maxLag \(12h\)/);
      definitionError(() => asset({ key: "orders", freshness: { maxLag: "12h", maximumLagMinutes: 5 } as never }, () => 1), /not "maximumLagMinutes"/);
    });
  });

  describe("evaluateFreshness", () => {
    const day = policy("24h", "12h");

    it("is UNKNOWN for an asset never materialized, whatever the time", () => {
      assert.deepEqual(evaluateFreshness(day, null, T0), { state: "UNKNOWN", lastMaterializedAt: null, warnSince: null, staleSince: null, staleAt: null });
      assert.equal(evaluateFreshness(day, "not a time", T0).state, "UNKNOWN", "nor for a time that is no time");
    });

    it("is FRESH just before warnAfter, WARN exactly at it", () => {
      assert.equal(evaluateFreshness(day, T0, T0).state, "FRESH");
      assert.equal(evaluateFreshness(day, T0, T0 + 12 * HOUR - 1).state, "FRESH");
      const warn = evaluateFreshness(day, "2024-05-01T00:00:00.000Z", T0 + 12 * HOUR);
      assert.deepEqual(warn, {
        state: "WARN",
        lastMaterializedAt: "2024-05-01T00:00:00.000Z",
        warnSince: "2024-05-01T12:00:00.000Z",
        staleSince: null,
        staleAt: "2024-05-02T00:00:00.000Z",
      });
    });

    it("is WARN just before maxLag, STALE exactly at it and after", () => {
      assert.equal(evaluateFreshness(day, T0, T0 + 24 * HOUR - 1).state, "WARN");
      const stale = evaluateFreshness(day, T0, T0 + 24 * HOUR);
      assert.deepEqual(stale, {
        state: "STALE",
        lastMaterializedAt: "2024-05-01T00:00:00.000Z",
        warnSince: "2024-05-01T12:00:00.000Z",
        staleSince: "2024-05-02T00:00:00.000Z",
        staleAt: null,
      });
      assert.equal(evaluateFreshness(day, T0, T0 + 24 * HOUR + 1).state, "STALE");
    });

    it("goes from FRESH straight to STALE without warnAfter", () => {
      const lag = policy("30m");
      assert.equal(evaluateFreshness(lag, T0, T0 + 30 * 60_000 - 1).state, "FRESH");
      assert.deepEqual(evaluateFreshness(lag, T0, T0 + 30 * 60_000), {
        state: "STALE",
        lastMaterializedAt: "2024-05-01T00:00:00.000Z",
        warnSince: null,
        staleSince: "2024-05-01T00:30:00.000Z",
        staleAt: null,
      });
    });

    it("takes a materialization from the future (a clock ahead of this one) as FRESH", () => {
      assert.equal(evaluateFreshness(day, T0 + HOUR, T0).state, "FRESH");
    });
  });
});
