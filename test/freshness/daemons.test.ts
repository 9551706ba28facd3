/**
 * A freshness change raises its notification once, whichever of two daemons sharing the storage
 * sees it first: real Daemons (each with its own connection) on PostgreSQL and on SQLite, a real
 * webhook receiver, and one manual clock both daemons run on. Every pass of both daemons is run at
 * once after each step of the clock, besides the passes their own loops make when the clock
 * reaches an asset's boundary.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Daemon } from "../../runtime/src/daemon/daemon";
import { findProjectConfig } from "../../runtime/src/loader";
import { PostgresStorage } from "../../runtime/src/storage/postgres/storage";
import { SqliteStorage } from "../../runtime/src/storage/sqlite/storage";
import type { Storage } from "../../runtime/src/storage/port";
import { materialization, newRun } from "../storage/conformance";
import { assertTestDatabaseReachable, disposeTestStorage, makeTestStorage, TEST_DATABASE_URL } from "../storage/postgresTestDatabase";
import { tempProject, type TempProject } from "../support/tempProject";
import { ManualClock } from "../support/manualClock";
import { waitFor } from "../support/waitFor";

const MINUTE = 60_000;
const T0 = Date.parse("2024-05-01T00:00:00.000Z");

const DEFINITIONS = `import { asset, definitions } from "tributary-ts";
export const orders = asset({ key: "orders", freshness: { maxLag: "2h", warnAfter: "1h" } }, () => 1);
export const customers = asset({ key: "customers", freshness: { maxLag: "1d" } }, () => 2);
export const plain = asset({ key: "plain" }, () => 3);
export default definitions({ assets: [orders, customers, plain] });
`;

interface Received {
  event: string;
  title: string;
  details: Record<string, unknown>;
}

/** A real local webhook receiver. */
async function receiver(): Promise<{ url: string; bodies: Received[]; server: Server }> {
  const bodies: Received[] = [];
  const server = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", () => {
      bodies.push(JSON.parse(text) as Received);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies, server };
}

async function materializeAt(storage: Storage, key: string, at: number): Promise<void> {
  const run = await storage.createRun(newRun({ assetKeys: [key] }));
  await storage.appendEvents([{ ...materialization(run.runId, key), timestamp: new Date(at).toISOString() }]);
}

function sharedStorageSuite(name: string, open: (project: TempProject) => Promise<{ storages: [Storage, Storage]; dispose(): Promise<void> }>): void {
  describe(`freshness notifications with two daemons on ${name}`, function () {
    this.timeout(60_000);

    it("notifies WARN, STALE and FRESH again once each, and nothing for a first FRESH or a never-materialized asset", async () => {
      const hook = await receiver();
      const project = tempProject({ "definitions.ts": DEFINITIONS }, "freshness-daemons");
      const opened = await open(project);
      project.write({
        "tributary.yaml": [
          "entry: definitions.ts",
          "notifications:",
          "  webhooks:",
          `    - url: ${hook.url}`,
          "      events: [asset_warn, asset_stale, asset_fresh_again]",
          "",
        ].join("\n"),
      });
      const clock = new ManualClock(T0);
      const at = (instant: number) => clock.advance(instant - clock.now());
      const logs: string[] = [];
      const daemons = opened.storages.map(
        (storage) =>
          new Daemon({
            config: findProjectConfig(project.dir, {}),
            storage,
            // No run executes here: no worker pool. Long polls: the passes that count are the test's.
            settings: { maxConcurrentRuns: 0, freshnessPollMs: 60_000, schedulerPollMs: 60_000, sensorPollMs: 60_000 },
            clock,
            log: (line) => logs.push(line),
          }),
      );
      const bothPass = async () => {
        const passes = await Promise.all(daemons.map((daemon) => daemon.freshnessLoop!.evaluate()));
        return passes.flatMap((pass) => pass.changes);
      };
      const received = async (count: number) => {
        await waitFor(`${count} notification(s) received`, () => hook.bodies.length >= count);
        return hook.bodies.map((body) => `${body.event} ${String(body.details["assetKey"])}`);
      };
      try {
        await Promise.all(daemons.map((daemon) => daemon.start()));
        const [storage] = opened.storages;
        await materializeAt(storage, "orders", T0);

        at(T0 + 10 * MINUTE);
        await bothPass();
        assert.deepEqual(
          (await storage.listAssetFreshness()).map((record) => `${record.assetKey} ${record.state}`),
          ["customers UNKNOWN", "orders FRESH"],
          "the first judgement of each asset with a policy is recorded, the asset without one is not",
        );

        at(T0 + 60 * MINUTE); // exactly warnAfter
        await bothPass();
        assert.deepEqual(await received(1), ["asset_warn orders"]);

        at(T0 + 120 * MINUTE - 1); // just before maxLag: no change
        await bothPass();
        at(T0 + 120 * MINUTE); // exactly maxLag
        await bothPass();
        assert.deepEqual(await received(2), ["asset_warn orders", "asset_stale orders"]);

        await bothPass();
        await materializeAt(storage, "orders", T0 + 125 * MINUTE);
        at(T0 + 126 * MINUTE);
        await bothPass();
        assert.deepEqual(await received(3), ["asset_warn orders", "asset_stale orders", "asset_fresh_again orders"]);
      } finally {
        await Promise.all(daemons.map((daemon) => daemon.stop()));
        await opened.dispose();
        hook.server.close();
        project.cleanup();
      }
      // stop() waited for every queued delivery: nothing more was sent by either daemon.
      assert.deepEqual(hook.bodies.map((body) => body.event), ["asset_warn", "asset_stale", "asset_fresh_again"], logs.join("\n"));
      const stale = hook.bodies[1]!;
      assert.match(stale.title, /^Asset orders is stale: stale since 2024-05-01 02:00Z \(max lag 2h\)$/);
      assert.deepEqual(
        { previousState: stale.details["previousState"], state: stale.details["state"], staleSince: stale.details["staleSince"], lastMaterializedAt: stale.details["lastMaterializedAt"] },
        { previousState: "WARN", state: "STALE", staleSince: "2024-05-01T02:00:00.000Z", lastMaterializedAt: "2024-05-01T00:00:00.000Z" },
      );
    });
  });
}

sharedStorageSuite("PostgreSQL", async () => {
  await assertTestDatabaseReachable();
  const first = await makeTestStorage();
  // A second pool on the same schema: another daemon's connection.
  const second = new PostgresStorage(TEST_DATABASE_URL, { schema: first.schema, maxConnections: 4 });
  return {
    storages: [first, second],
    async dispose() {
      await second.close();
      await disposeTestStorage(first);
    },
  };
});

sharedStorageSuite("SQLite", async (project) => {
  const file = join(project.dir, "shared.db");
  const first = new SqliteStorage(file);
  await first.migrate();
  const second = new SqliteStorage(file);
  await second.migrate();
  return {
    storages: [first, second],
    async dispose() {
      await first.close();
      await second.close();
    },
  };
});
