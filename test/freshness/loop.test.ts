/**
 * The freshness loop alone (one daemon's passes, SQLite in memory, an injected clock): which changes
 * raise which notification, a first judgement of a late asset included, and how soon the next pass
 * is due (at the next asset's boundary, not a poll later).
 */
import assert from "node:assert/strict";
import { asset } from "../../runtime/src/index";
import { definitions } from "../../runtime/src/definitions/definitions";
import { FreshnessLoop, freshnessEvent } from "../../runtime/src/daemon/freshnessLoop";
import type { Notification } from "../../runtime/src/daemon/notifications";
import { AssetGraph } from "../../runtime/src/graph/assetGraph";
import { SqliteStorage } from "../../runtime/src/storage/sqlite/storage";
import { createLogger } from "../../runtime/src/daemon/logger";
import { ManualClock } from "../support/manualClock";
import { materialization, newRun } from "../storage/conformance";

const MINUTE = 60_000;
const T0 = Date.parse("2024-05-01T00:00:00.000Z");
const quiet = () => createLogger({ write: () => {} });

describe("the freshness loop", () => {
  it("maps changes to events: WARN and STALE always, FRESH only after WARN or STALE, UNKNOWN never", () => {
    const states = [null, "FRESH", "WARN", "STALE", "UNKNOWN"] as const;
    const table = Object.fromEntries(states.flatMap((from) => (["FRESH", "WARN", "STALE", "UNKNOWN"] as const).filter((to) => to !== from).map((to) => [`${from}->${to}`, freshnessEvent(from, to)])));
    assert.deepEqual(table, {
      "null->FRESH": null, "null->WARN": "asset_warn", "null->STALE": "asset_stale", "null->UNKNOWN": null,
      "FRESH->WARN": "asset_warn", "FRESH->STALE": "asset_stale", "FRESH->UNKNOWN": null,
      "WARN->FRESH": "asset_fresh_again", "WARN->STALE": "asset_stale", "WARN->UNKNOWN": null,
      "STALE->FRESH": "asset_fresh_again", "STALE->WARN": "asset_warn", "STALE->UNKNOWN": null,
      "UNKNOWN->FRESH": null, "UNKNOWN->WARN": "asset_warn", "UNKNOWN->STALE": "asset_stale",
    });
  });

  it("notifies an asset already stale when first judged, and is due again at the next boundary", async () => {
    const storage = new SqliteStorage(":memory:");
    await storage.migrate();
    try {
      const graph = new AssetGraph(definitions({
        assets: [
          asset({ key: "late", freshness: { maxLag: "1h" } }, () => 1),
          asset({ key: "hourly", freshness: { maxLag: "2h", warnAfter: "1h" } }, () => 2),
        ],
      }));
      const run = await storage.createRun(newRun({ assetKeys: ["late", "hourly"] }));
      await storage.appendEvents([
        { ...materialization(run.runId, "late"), timestamp: new Date(T0 - 3 * 60 * MINUTE).toISOString() },
        { ...materialization(run.runId, "hourly"), timestamp: new Date(T0 - 20 * MINUTE).toISOString() },
      ]);
      const sent: Notification[] = [];
      const clock = new ManualClock(T0);
      const loop = new FreshnessLoop({ storage, graph: () => graph, notify: (n) => sent.push(n), pollMs: 30_000, clock, logger: quiet() });

      const first = await loop.evaluate();
      assert.deepEqual(first.changes.map((c) => `${c.assetKey} ${c.from} ${c.to} ${c.event}`).sort(), ["hourly null FRESH null", "late null STALE asset_stale"]);
      assert.deepEqual(sent.map((n) => n.event), ["asset_stale"]);
      assert.equal(first.dueInMs, 40 * MINUTE, "hourly turns WARN 40 min from now");

      clock.advance(40 * MINUTE);
      const second = await loop.evaluate();
      assert.deepEqual(second.changes.map((c) => c.event), ["asset_warn"]);
      assert.equal(second.dueInMs, 60 * MINUTE, "then STALE an hour later");
      assert.deepEqual((await loop.evaluate()).changes, [], "nothing changed, nothing recorded");
    } finally {
      await storage.close();
    }
  });

  it("leaves a state another daemon recorded at a later instant than its own clock's", async () => {
    const storage = new SqliteStorage(":memory:");
    await storage.migrate();
    try {
      const graph = new AssetGraph(definitions({ assets: [asset({ key: "hourly", freshness: { maxLag: "2h", warnAfter: "1h" } }, () => 1)] }));
      const run = await storage.createRun(newRun({ assetKeys: ["hourly"] }));
      await storage.appendEvents([{ ...materialization(run.runId, "hourly"), timestamp: new Date(T0).toISOString() }]);
      // A daemon whose clock is ahead judged WARN at T0 + 60 min; this one's clock says T0 + 10 min.
      await storage.transitionAssetFreshness("hourly", null, "WARN", new Date(T0 + 60 * MINUTE).toISOString());
      const sent: Notification[] = [];
      const loop = new FreshnessLoop({ storage, graph: () => graph, notify: (n) => sent.push(n), pollMs: 30_000, clock: new ManualClock(T0 + 10 * MINUTE), logger: quiet() });
      assert.deepEqual((await loop.evaluate()).changes, []);
      assert.deepEqual(sent, [], "no FRESH-again notification for a change that did not happen");
      assert.equal((await storage.listAssetFreshness())[0]?.state, "WARN");
    } finally {
      await storage.close();
    }
  });

  it("judges nothing while the code does not load", async () => {
    const storage = new SqliteStorage(":memory:");
    await storage.migrate();
    try {
      const loop = new FreshnessLoop({ storage, graph: () => null, notify: () => assert.fail("nothing to notify"), pollMs: 30_000, logger: quiet() });
      assert.deepEqual(await loop.evaluate(), { changes: [], dueInMs: undefined });
      assert.deepEqual(await storage.listAssetFreshness(), []);
    } finally {
      await storage.close();
    }
  });
});
