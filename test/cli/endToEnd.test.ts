/**
 * The CLI as users run it: `node runtime/bin/tributary.js` in a child process, on the compiled
 * dist/ (run `npx tsc -b runtime` first). Fixture projects have no node_modules, so their
 * `import "tributary-ts"` resolves to the running runtime.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "pg";
import { runBin, testEnv } from "./helpers";

const DATABASE_URL = process.env["TRIBUTARY_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/test";

describe("tributary CLI end to end", function () {
  this.timeout(60_000);
  let root: string;
  let project: string;

  before(async () => {
    assert.ok(existsSync(resolve(__dirname, "..", "..", "runtime", "dist", "cli", "main.js")), "build first: npx tsc -b runtime");
    root = realpathSync(mkdtempSync(join(tmpdir(), "tributary-cli-")));
    project = join(root, "shop");
    const init = await runBin(["init", "shop"], root);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /Created a Tributary project in shop/);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it("scaffolds a project that materializes, with progress, a summary and where values landed", async () => {
    for (const file of ["tributary.yaml", "definitions.ts", "package.json", ".gitignore"]) assert.ok(existsSync(join(project, file)), file);
    const outcome = await runBin(["materialize", "--select", "*"], project);
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.match(outcome.stdout, /\[1\/2\] ✓ raw_customers \d+ ms/);
    assert.match(outcome.stdout, /\[2\/2\] ✓ customers \d+ ms/);
    assert.match(outcome.stdout, /SUCCESS in .*: 2 succeeded, 0 failed, 0 skipped/);
    assert.match(outcome.stdout, /Materialized:\n  raw_customers\s+→ \S*raw_customers\.json\n  customers\s+→ \S*customers\.json/);
    assert.doesNotMatch(outcome.stdout, /\x1b\[/, "no ANSI when stdout is not a terminal");
  });

  it("prints exactly the DESIGN.md object on stdout with --json", async () => {
    const outcome = await runBin(["materialize", "--select", "+customers", "--json"], project);
    assert.equal(outcome.code, 0, outcome.stderr);
    const result = JSON.parse(outcome.stdout) as { runId: string; status: string; steps: Record<string, unknown>[] };
    assert.deepEqual(Object.keys(result), ["runId", "status", "steps"]);
    assert.equal(result.status, "SUCCESS");
    assert.deepEqual(result.steps.map((step) => [step["key"], step["status"]]), [["raw_customers", "SUCCESS"], ["customers", "SUCCESS"]]);
    for (const step of result.steps) assert.equal(typeof step["durationMs"], "number");
  });

  it("lists runs newest first as JSON, shows one with its events, and lists assets with their status", async () => {
    const list = await runBin(["runs", "list", "--json"], project);
    assert.equal(list.code, 0, list.stderr);
    const runs = JSON.parse(list.stdout) as Record<string, unknown>[];
    assert.equal(runs.length, 2);
    assert.equal(runs[0]!["selection"], "+customers");
    assert.equal(runs[1]!["selection"], "*");
    for (const run of runs) {
      for (const field of ["runId", "status", "selection", "instigator", "createdAt", "startedAt", "endedAt"]) assert.ok(field in run, field);
      assert.equal(run["status"], "SUCCESS");
      assert.equal(run["instigator"], null);
    }
    const limited = JSON.parse((await runBin(["runs", "list", "--json", "--limit", "1", "--status", "success"], project)).stdout) as unknown[];
    assert.equal(limited.length, 1);

    const show = await runBin(["runs", "show", String(runs[0]!["runId"]).slice(0, 8), "--json"], project);
    assert.equal(show.code, 0, show.stderr);
    const shown = JSON.parse(show.stdout) as { runId: string; events: { type: string }[] };
    assert.equal(shown.runId, runs[0]!["runId"]);
    assert.equal(shown.events[0]!.type, "RUN_START");
    assert.ok(shown.events.some((event) => event.type === "ASSET_CHECK_EVALUATION"));

    const assets = JSON.parse((await runBin(["assets", "list", "--json"], project)).stdout) as Record<string, unknown>[];
    const customers = assets.find((asset) => asset["key"] === "customers")!;
    assert.deepEqual(customers["deps"], ["raw_customers"]);
    assert.equal(customers["checkStatus"], "PASSED");
    assert.equal((customers["latestMaterialization"] as { runId: string }).runId, runs[0]!["runId"]);
  });

  it("exits 1 when a step fails, names the user's line, and skips what is downstream", async () => {
    const failing = join(root, "failing");
    const init = await runBin(["init", "failing"], root);
    assert.equal(init.code, 0, init.stderr);
    writeFileSync(join(failing, "definitions.ts"), [
      'import { asset, definitions } from "tributary-ts";',
      'export const broken = asset({ key: "broken" }, async () => {',
      '  throw new Error("the export is empty");',
      "});",
      'export const after = asset({ key: "after", deps: [broken] }, async () => 1);',
      'export const independent = asset({ key: "independent" }, async () => 2);',
      "export default definitions({ assets: [broken, after, independent] });",
      "",
    ].join("\n"));
    const outcome = await runBin(["materialize", "--select", "*"], failing);
    assert.equal(outcome.code, 1, outcome.stderr);
    assert.match(outcome.stdout, /FAILURE in .*: 1 succeeded, 1 failed, 1 skipped/);
    assert.match(outcome.stdout, /Failed steps:\n  broken: Error: the export is empty\n    at definitions\.ts:3:9/);

    const json = await runBin(["materialize", "--select", "*", "--json"], failing);
    assert.equal(json.code, 1);
    const result = JSON.parse(json.stdout) as { status: string; steps: { key: string; status: string; error?: string }[] };
    assert.equal(result.status, "FAILURE");
    const byKey = Object.fromEntries(result.steps.map((step) => [step.key, step]));
    assert.equal(byKey["broken"]!.status, "FAILURE");
    assert.match(byKey["broken"]!.error ?? "", /the export is empty/);
    assert.equal(byKey["after"]!.status, "SKIPPED");
    assert.equal(byKey["independent"]!.status, "SUCCESS");
  });

  it("exits 2 when the selection matches no asset", async () => {
    const outcome = await runBin(["materialize", "--select", "group:nothing_here"], project);
    assert.equal(outcome.code, 2);
    assert.match(outcome.stderr, /^error: .*matches no asset/);
  });

  it("migrates the storage and prints its schema version", async () => {
    const outcome = await runBin(["migrate"], project);
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.match(outcome.stdout, /^SQLite \.tributary\/tributary\.db: schema version \d+ \(up to date\)\n$/);
  });

  it("records runs in PostgreSQL when TRIBUTARY_DATABASE_URL says so", async () => {
    const schema = `cli_e2e_${process.pid}_${Date.now()}`;
    const url = new URL(DATABASE_URL);
    url.searchParams.set("schema", schema);
    const env = testEnv({ TRIBUTARY_DATABASE_URL: url.toString() });
    try {
      const run = await runBin(["materialize", "--select", "raw_customers", "--json"], project, env);
      assert.equal(run.code, 0, run.stderr);
      const { runId } = JSON.parse(run.stdout) as { runId: string };
      const runs = JSON.parse((await runBin(["runs", "list", "--json"], project, env)).stdout) as { runId: string }[];
      assert.deepEqual(runs.map((r) => r.runId), [runId]);
    } finally {
      const client = new Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  });
});
