/**
 * Conformance of AutomationStorage: ticks unique per instant (one daemon claims each), a stalled
 * tick taken over once, evaluations newest first with a cursor, each asset's latest state, and
 * bounded retention.
 */
import assert from "node:assert/strict";
import type { AutomationStorage, NewAutomationEvaluation } from "../../../runtime/src/storage/port";
import { useFreshStorage, type ConformanceBackend } from "./fixtures";

function evaluation(assetKey: string, evaluatedAt: string, overrides: Partial<NewAutomationEvaluation> = {}): NewAutomationEvaluation {
  return { assetKey, evaluatedAt, requested: false, partitions: [], runKey: null, reason: "not requested: nothing changed", tree: { kind: "and", result: false }, ...overrides };
}

/** Registers the automation part of the conformance suite for one backend. */
export function automationConformance(backend: ConformanceBackend<AutomationStorage>): void {
  describe(`Storage conformance, automation: ${backend.name}`, () => {
    let storage: AutomationStorage;
    useFreshStorage(backend, (made) => (storage = made));

    it("creates each tick once, whichever daemon asks first, even when three ask at once", async () => {
      const tickTime = "2024-05-01T00:00:30.000Z";
      const made = await Promise.all(["a", "b", "c"].map((daemonId) => storage.createAutomationTick({ tickTime, daemonId })));
      const winners = made.filter((tick) => tick !== null);
      assert.equal(winners.length, 1);
      assert.equal(winners[0]!.status, "STARTED");
      assert.deepEqual(winners[0]!.launches, []);
      assert.equal((await storage.listAutomationTicks()).length, 1);
    });

    it("lets one daemon take over a stalled tick, not two", async () => {
      const tick = (await storage.createAutomationTick({ tickTime: "2024-05-01T00:01:00.000Z", daemonId: "dead" }))!;
      const [first, second] = await Promise.all([
        storage.reclaimAutomationTick(tick.tickId, tick.updatedAt, "a"),
        storage.reclaimAutomationTick(tick.tickId, tick.updatedAt, "b"),
      ]);
      assert.equal([first, second].filter((taken) => taken !== null).length, 1);
      assert.notEqual((first ?? second)!.daemonId, "dead");
    });

    it("stores a tick's evaluations, states and launches together, and its runs afterwards", async () => {
      const tick = (await storage.createAutomationTick({ tickTime: "2024-05-01T00:02:00.000Z", daemonId: "a" }))!;
      const launch = { runKey: `${tick.tickId}:stg_orders`, selection: "stg_orders", assetKeys: ["stg_orders"], partitionKeys: [] };
      await storage.recordAutomationEvaluations(tick.tickId, {
        evaluations: [
          evaluation("stg_orders", "2024-05-01T00:02:00.000Z", { requested: true, runKey: launch.runKey, reason: "requested because dep raw_orders was updated" }),
          evaluation("orders", "2024-05-01T00:02:00.000Z"),
        ],
        states: [
          { assetKey: "stg_orders", state: { tickId: tick.tickId, nodes: { "0.1": ["stg_orders|"] } } },
          { assetKey: "orders", state: { tickId: tick.tickId, nodes: {} } },
        ],
        launches: [launch],
      });
      const [evaluated] = await storage.listAutomationTicks({ statuses: ["EVALUATED"] });
      assert.equal(evaluated!.tickId, tick.tickId);
      assert.deepEqual(evaluated!.launches, [launch]);
      await storage.setAutomationRunIds(tick.tickId, { [launch.runKey]: "run-1" });
      await storage.updateAutomationTick(tick.tickId, { status: "SUCCESS", runIds: ["run-1"] });
      const [stored] = await storage.listAutomationEvaluations("stg_orders");
      assert.equal(stored!.requested, true);
      assert.equal(stored!.runId, "run-1");
      assert.equal(stored!.reason, "requested because dep raw_orders was updated");
      assert.deepEqual(stored!.tree, { kind: "and", result: false });
      assert.equal((await storage.listAutomationEvaluations("orders"))[0]!.runId, null);
      const states = await storage.getAutomationStates();
      assert.deepEqual(states.get("stg_orders"), { tickId: tick.tickId, nodes: { "0.1": ["stg_orders|"] } });
      assert.deepEqual([...(await storage.getAutomationStates(["orders"])).keys()], ["orders"]);
      assert.deepEqual((await storage.listAutomationTicks({ statuses: ["SUCCESS"] }))[0]!.runIds, ["run-1"]);
    });

    it("pages an asset's evaluations newest first", async () => {
      for (let i = 0; i < 5; i++) {
        const tick = (await storage.createAutomationTick({ tickTime: `2024-05-01T00:0${i}:00.000Z`, daemonId: "a" }))!;
        await storage.recordAutomationEvaluations(tick.tickId, { evaluations: [evaluation("x", `2024-05-01T00:0${i}:00.000Z`)], states: [], launches: [] });
      }
      const first = await storage.listAutomationEvaluations("x", { limit: 2 });
      assert.deepEqual(first.map((e) => e.evaluatedAt), ["2024-05-01T00:04:00.000Z", "2024-05-01T00:03:00.000Z"]);
      const next = await storage.listAutomationEvaluations("x", { limit: 10, beforeId: first[1]!.evaluationId });
      assert.deepEqual(next.map((e) => e.evaluatedAt), ["2024-05-01T00:02:00.000Z", "2024-05-01T00:01:00.000Z", "2024-05-01T00:00:00.000Z"]);
    });

    it("prunes evaluations older than the limit but keeps the newest of each asset", async () => {
      for (let i = 0; i < 4; i++) {
        const tick = (await storage.createAutomationTick({ tickTime: `2024-05-0${i + 1}T00:00:00.000Z`, daemonId: "a" }))!;
        await storage.recordAutomationEvaluations(tick.tickId, {
          evaluations: [evaluation("x", `2024-05-0${i + 1}T00:00:00.000Z`), evaluation("y", `2024-05-0${i + 1}T00:00:00.000Z`)],
          states: [],
          launches: [],
        });
        await storage.updateAutomationTick(tick.tickId, { status: "SUCCESS" });
      }
      const deleted = await storage.pruneAutomation({ olderThan: "2024-05-04T00:00:00.000Z", keepPerAsset: 2 });
      assert.equal(deleted, 4, "x and y keep their two newest");
      assert.equal((await storage.listAutomationEvaluations("x")).length, 2);
      assert.equal(await storage.pruneAutomation({ olderThan: "2024-06-01T00:00:00.000Z", keepPerAsset: 2 }), 0);
      assert.equal((await storage.listAutomationTicks()).length, 0, "ended ticks older than the limit are gone");
    });
  });
}
