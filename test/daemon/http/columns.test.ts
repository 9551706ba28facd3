/**
 * `GET /api/lineage/columns` on a temporary project with SQL assets, served by the real HTTP server:
 * the answer is the bundled static analysis' (the one `tributary validate` loads, built by
 * `npm run build` into runtime/dist/bundled), computed once per code version.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { startHttpServer, type HttpServer } from "../../../runtime/src/daemon/http/server";
import { loadProject } from "../../../runtime/src/loader";
import { openStorage } from "../../../runtime/src/storage";
import type { Storage } from "../../../runtime/src/storage/port";
import type { WireAnswer } from "../../../runtime/src/wire";
import { runValidate, type ValidateReport } from "../../../server/src/validateCli";
import { tempProject, type TempProject } from "../../support/tempProject";
import { call } from "./fixture";
import { LocalDaemonServices } from "./localServices";

const BUNDLE = resolve(__dirname, "..", "..", "..", "runtime", "dist", "bundled", "validate.js");

/** raw_payments (TypeScript) -> stg_payments (SQL) -> orders (SQL, a CTE and a join) <- raw_orders (TypeScript). */
const DEFINITIONS = `import { asset, definitions, sql, sqlAsset } from "tributary-ts";

export const rawPayments = asset({ key: "raw_payments", group: "raw" }, async () => []);
export const rawOrders = asset({ key: "raw_orders", group: "raw" }, async () => []);

export const stgPayments = sqlAsset({
  key: "stg_payments", group: "staging",
  query: sql\`select id as payment_id, order_id, amount / 100.0 as amount from \${rawPayments}\`,
});

export const orders = sqlAsset({
  key: "orders", group: "marts",
  query: sql\`
    with paid as (select order_id, sum(amount) as amount from \${stgPayments} group by order_id)
    select o.id as order_id, o.user_id as customer_id, p.amount, 'shop'::text as source
    from \${rawOrders} as o left join paid as p on p.order_id = o.id\`,
});

export default definitions({ assets: [rawPayments, rawOrders, stgPayments, orders] });
`;

type Answer = WireAnswer<"GET /api/lineage/columns">;

describe("GET /api/lineage/columns", function () {
  this.timeout(30_000);
  let project: TempProject;
  let storage: Storage;
  let services: LocalDaemonServices;
  let server: HttpServer;

  before(async function () {
    assert.ok(existsSync(BUNDLE), `build the bundled analysis first (npm run build): ${BUNDLE} is missing`);
    project = tempProject({ "definitions.ts": DEFINITIONS }, "columns");
    const loaded = await loadProject(project.dir, { env: {} });
    storage = await openStorage({ kind: "sqlite", path: join(project.dir, "state.db") });
    services = new LocalDaemonServices(storage, { ok: true, project: loaded, loadedAt: new Date().toISOString(), codeVersion: "v1-test" });
    server = await startHttpServer(services, { port: 0, log: () => {}, analysisModule: BUNDLE });
  });
  after(async () => {
    await server?.close();
    await storage?.close();
    project?.cleanup();
  });

  const get = async (): Promise<Answer> => {
    const answer = await call(server.url, "GET", "/api/lineage/columns");
    assert.equal(answer.status, 200, answer.text);
    return answer.json as Answer;
  };

  it("lists every asset with its columns and the upstream columns each is computed from", async () => {
    const { assets } = await get();
    const byKey = new Map(assets.map((a) => [a.key, a.columns]));
    assert.deepEqual([...byKey.keys()].sort(), ["orders", "raw_orders", "raw_payments", "stg_payments"]);
    assert.equal(byKey.get("raw_payments"), null, "a TypeScript asset's columns are not known statically");
    assert.deepEqual(byKey.get("stg_payments"), [
      { name: "payment_id", from: ["raw_payments.id"] },
      { name: "order_id", from: ["raw_payments.order_id"] },
      { name: "amount", from: ["raw_payments.amount"] },
    ]);
    assert.deepEqual(byKey.get("orders"), [
      { name: "order_id", from: ["raw_orders.id"] },
      { name: "customer_id", from: ["raw_orders.user_id"] },
      { name: "amount", from: ["stg_payments.amount"] },
      { name: "source", type: "text", from: [] },
    ]);
  });

  it("answers exactly what tributary validate --json reports for the same project", async () => {
    let stdout = "";
    await runValidate([project.dir, "--json"], { stdout: (s) => (stdout += s), stderr: () => undefined });
    const report = JSON.parse(stdout) as ValidateReport;
    const fromValidate = Object.fromEntries(report.assets.filter((a) => a.columns !== undefined).map((a) => [a.key, a.columns]));
    const fromDaemon = Object.fromEntries((await get()).assets.filter((a) => a.columns !== null).map((a) => [a.key, a.columns!.map((c) => ({ name: c.name, from: c.from }))]));
    assert.deepEqual(fromDaemon, fromValidate);
  });

  it("keeps its answer for a code version, and analyses again after a reload", async () => {
    const edited = DEFINITIONS.replace("amount / 100.0 as amount", "amount / 100.0 as amount_usd").replace("p.amount,", "p.amount_usd,").replace("sum(amount) as amount", "sum(amount_usd) as amount_usd");
    project.write({ "definitions.ts": edited });
    // The same code version: the analysis is not run again, whatever the files say now.
    const before = (await get()).assets.find((a) => a.key === "stg_payments")!.columns!.map((c) => c.name);
    assert.deepEqual(before, ["payment_id", "order_id", "amount"]);
    const state = await services.reloadCode();
    assert.ok(state.ok, "the edited project loads");
    const after = await get();
    assert.deepEqual(after.assets.find((a) => a.key === "stg_payments")!.columns!.map((c) => c.name), ["payment_id", "order_id", "amount_usd"]);
    assert.deepEqual(after.assets.find((a) => a.key === "orders")!.columns!.find((c) => c.name === "amount_usd")?.from, ["stg_payments.amount_usd"]);
  });

  it("answers 503 with the way out when the runtime was built without the bundled analysis", async () => {
    const bare = await startHttpServer(services, { port: 0, log: () => {}, analysisModule: join(project.dir, "no-such-bundle.js") });
    try {
      const answer = await call(bare.url, "GET", "/api/lineage/columns");
      assert.equal(answer.status, 503);
      assert.match(answer.json.error.message, /column lineage is not available: .*no-such-bundle\.js is missing/);
      assert.match(answer.json.error.hint, /npm run build/);
    } finally {
      await bare.close();
    }
  });
});
