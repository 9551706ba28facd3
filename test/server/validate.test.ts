import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runValidate, type ValidateReport } from "../../server/src/validateCli";

const fixtures = path.join(__dirname, "fixtures");

async function validate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runValidate(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

async function validateJson(folder: string): Promise<{ code: number; report: ValidateReport }> {
  const { code, stdout } = await validate([folder, "--json"]);
  return { code, report: JSON.parse(stdout) as ValidateReport };
}

describe("tributary validate", () => {
  it("exits 0 and lists every asset with 1-based lines and files relative to DIR for a clean project", async () => {
    const { code, report } = await validateJson(path.join(fixtures, "clean"));
    assert.equal(code, 0);
    assert.deepEqual(report.diagnostics, []);
    assert.deepEqual(report.assets, [
      { key: "raw_orders", group: "raw", deps: [], file: "definitions.ts", line: 3 },
      { key: "stg_orders", group: "staging", deps: ["raw_orders"], file: "definitions.ts", line: 4 },
    ]);
  });

  it("ignores node_modules and build output", async () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-validate-"));
    fs.cpSync(path.join(fixtures, "clean"), copy, { recursive: true });
    const duplicate = 'import { asset } from "tributary-ts";\nexport const x = asset({ key: "raw_orders" }, async () => 1);\n';
    for (const folder of ["node_modules/pkg", "dist", "out", "build", ".tributary"]) {
      fs.mkdirSync(path.join(copy, folder), { recursive: true });
      fs.writeFileSync(path.join(copy, folder, "index.ts"), duplicate);
    }
    const { code, report } = await validateJson(copy);
    assert.equal(code, 0, JSON.stringify(report.diagnostics));
    assert.equal(report.assets.length, 2);
    fs.rmSync(copy, { recursive: true, force: true });
  });

  it("reports every problem of the warehouse fixture with its stable code and exact position", async () => {
    const { code, report } = await validateJson(path.join(fixtures, "warehouse"));
    assert.equal(code, 1);
    const found = report.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code}`);
    assert.deepEqual(found, [
      "src/jobs.ts:5:103 error unknown-asset",
      "src/jobs.ts:6:67 error unknown-asset",
      "src/jobs.ts:7:90 error invalid-selection",
      "src/jobs.ts:8:69 warning empty-selection",
      "src/jobs.ts:11:59 error invalid-cron",
      "src/jobs.ts:11:78 error unknown-job",
      "src/jobs.ts:12:58 error unknown-job",
      "src/models/marts.ts:14:46 warning unregistered-asset",
      "src/models/staging.ts:11:71 error unknown-dep",
      "src/models/staging.ts:20:77 error unknown-check-asset",
      "src/raw.ts:19:92 error missing-resource",
    ]);
    const message = (c: string): string => report.diagnostics.find((d) => d.code === c)?.message ?? "";
    assert.match(message("unknown-dep"), /did you mean "raw_orders"\?/);
    assert.match(message("invalid-cron"), /minute value 61 is out of range 0-59/);
    assert.match(message("missing-resource"), /did you mean "warehouse"\?/);
    assert.match(message("unknown-check-asset"), /did you mean "stg_customers"\?/);
  });

  it("resolves deps through tsconfig paths, namespace imports, barrels, aliases and multiAsset outs", async () => {
    const { report } = await validateJson(path.join(fixtures, "warehouse"));
    const deps = Object.fromEntries(report.assets.map((a) => [a.key, a.deps]));
    assert.deepEqual(deps, {
      raw_orders: [],
      raw_payments: [],
      "warehouse/customers": [],
      stg_orders: ["raw_orders", "raw_payments"],
      stg_customers: ["warehouse/customers"],
      orders_a: ["stg_orders"],
      orders_b: ["stg_orders"],
      orders_report: ["orders_a", "orders_b"],
    });
  });

  it("reports cycles on every asset, self-dependencies, duplicate keys on both places and keys it cannot read", async () => {
    const { code, report } = await validateJson(path.join(fixtures, "broken"));
    assert.equal(code, 1);
    const found = report.diagnostics.map((d) => `${d.line}:${d.column} ${d.severity} ${d.code}`);
    assert.deepEqual(found, [
      "3:44 error cycle",
      "4:43 error cycle",
      "5:43 error cycle",
      "6:56 error self-dependency",
      "7:35 error duplicate-key",
      "8:35 error duplicate-key",
      "10:37 info key-not-static",
      "11:28 error missing-key",
    ]);
    assert.match(report.diagnostics[0]?.message ?? "", /Dependency cycle: a -> c -> b -> a/);
  });

  it("reports a schedule and a sensor with the same name at both names, and not a sensor whose name is its own", async () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-validate-"));
    fs.writeFileSync(path.join(copy, "assets.ts"), 'import { asset } from "tributary-ts";\nexport const a = asset({ key: "a" }, async () => 1);\n');
    fs.writeFileSync(path.join(copy, "schedules.ts"), 'import { schedule } from "tributary-ts";\nexport const nightly = schedule({ name: "refresh", cron: "0 2 * * *", selection: "a" });\n');
    fs.writeFileSync(path.join(copy, "sensors.ts"), [
      'import { sensor } from "tributary-ts";',
      'export const watcher = sensor({ name: "refresh", selection: "a" }, () => undefined);',
      'export const other = sensor({ name: "other", selection: "a" }, () => undefined);',
      "",
    ].join("\n"));
    const { code, report } = await validateJson(copy);
    assert.equal(code, 1);
    const found = report.diagnostics.filter((d) => d.code === "duplicate-instigator-name").map((d) => `${d.file}:${d.line}:${d.column} ${d.severity}`);
    assert.deepEqual(found, ["schedules.ts:2:42 error", "sensors.ts:2:40 error"]);
    assert.match(report.diagnostics.find((d) => d.code === "duplicate-instigator-name")?.message ?? "", /"refresh" is given to 2 schedules and sensors; they share one namespace/);
    fs.rmSync(copy, { recursive: true, force: true });
  });

  it("prints file:line:col severity code message lines and a summary without --json", async () => {
    const { code, stdout } = await validate([path.join(fixtures, "broken")]);
    assert.equal(code, 1);
    assert.match(stdout, /^src\/cycle\.ts:6:56 error self-dependency Asset "selfish" depends on itself/m);
    assert.match(stdout, /6 assets checked: 7 errors, 0 warnings, 1 info\n$/);
  });

  it("checks job: terms against the project's job names, and group wildcards against its groups", async () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-validate-"));
    try {
      fs.writeFileSync(path.join(copy, "definitions.ts"), [
        'import { asset, defineAssetJob, definitions } from "tributary-ts";',
        'export const rawOrders = asset({ key: "raw_orders", group: "raw" }, async () => []);',
        'export const stgOrders = asset({ key: "stg_orders", group: "staging", deps: [rawOrders] }, async () => []);',
        'export const nightly = defineAssetJob({ name: "nightly", selection: "group:raw+" });',
        'export const more = defineAssetJob({ name: "more", selection: "job:nightly and group:\\"sta*\\"" });',
        'export const typo = defineAssetJob({ name: "typo", selection: "job:nighty" });',
        'export const nothing = defineAssetJob({ name: "nothing", selection: "group:\\"x*\\"" });',
        "export default definitions({ assets: [rawOrders, stgOrders], jobs: [nightly, more, typo, nothing] });",
        "",
      ].join("\n"));
      const { report } = await validateJson(copy);
      assert.deepEqual(report.diagnostics.map((d) => `${d.line}:${d.column} ${d.severity} ${d.code} ${d.message}`), [
        '6:64 warning empty-selection Selection "job:nighty" selects no asset in this project: job:nighty matches nothing (did you mean "nightly"?)',
        '7:70 warning empty-selection Selection "group:"x*"" selects no asset in this project: group:x* matches nothing',
      ]);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it("lists the columns of each SQL asset with the upstream columns each is computed from, and its SQL problems", async () => {
    const { code, report } = await validateJson(path.join(fixtures, "sql"));
    assert.equal(code, 1);
    const columns = Object.fromEntries(report.assets.map((a) => [a.key, a.columns]));
    assert.deepEqual(columns.joined, [
      { name: "id", from: ["raw_customers.id"] }, { name: "name", from: ["raw_customers.name"] },
      { name: "total", from: ["raw_numbers.n"] }, { name: "kind", from: ["raw_events.kind"] },
    ]);
    assert.deepEqual(columns.everything, [
      { name: "d", from: ["doubled.d"] }, { name: "label", from: ["doubled.label"] }, { name: "loaded_at", from: ["doubled.loaded_at"] },
    ]);
    assert.equal(columns.events_copy, null, "select * over a TypeScript asset: columns not statically known");
    assert.equal("columns" in (report.assets.find((a) => a.key === "raw_events") ?? {}), false, "TypeScript assets have no columns field");
    assert.deepEqual(report.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`), [
      "models/broken.ts:7:21 unknown-column",
      "models/broken.ts:12:21 ambiguous-column",
      "models/broken.ts:17:24 sql-syntax",
      "models/broken.ts:22:30 unknown-upstream",
    ]);
  });

  it("exits 2 on bad usage: an unknown option, two folders, or a folder that does not exist", async () => {
    assert.equal((await validate(["--frobnicate"])).code, 2);
    assert.equal((await validate(["a", "b"])).code, 2);
    const missing = await validate([path.join(fixtures, "does-not-exist")]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /is not a folder/);
  });
});
