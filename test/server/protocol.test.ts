import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type {
  CodeAction,
  CodeLens,
  CompletionItem,
  Diagnostic,
  DocumentSymbol,
  Hover,
  Location,
  WorkspaceEdit,
  WorkspaceSymbol,
} from "vscode-languageserver-protocol";
import { formatWallTime, nextFireTimes, parseCron } from "../../runtime/src/schedules";
import { startDaemon } from "./fakeDaemon";
import { cursor, LspTestClient, uri } from "./lspClient";
import { waitFor } from "../support/waitFor";

const fixtures = path.join(__dirname, "fixtures");

describe("language server over stdio", function () {
  this.timeout(30_000);
  let client: LspTestClient;
  let daemon: Awaited<ReturnType<typeof startDaemon>>;
  let workspace: string;
  const broken = path.join(fixtures, "broken");
  const file = (relative: string): string => path.join(workspace, relative);

  before(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-lsp-"));
    fs.cpSync(path.join(fixtures, "warehouse"), workspace, { recursive: true });
    daemon = await startDaemon();
    client = await LspTestClient.start([workspace, broken], {
      settings: { daemonUrl: daemon.url, daemonPollIntervalMs: 100 },
    });
  });

  after(async () => {
    await client?.stop();
    daemon?.close();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  const codes = (diagnostics: Diagnostic[]): string[] => diagnostics.map((d) => String(d.code)).sort();

  it("publishes diagnostics for files that were never opened, once indexing is done", async () => {
    await waitFor("staging diagnostics", () => client.diagnosticsOf(file("src/models/staging.ts")).length > 0);
    assert.deepEqual(codes(client.diagnosticsOf(file("src/models/staging.ts"))), ["unknown-check-asset", "unknown-dep"]);
    const unknownDep = client.diagnosticsOf(file("src/models/staging.ts")).find((d) => d.code === "unknown-dep") as Diagnostic;
    assert.equal(unknownDep.source, "tributary");
    assert.equal(unknownDep.severity, 1);
    const text = fs.readFileSync(file("src/models/staging.ts"), "utf8");
    assert.deepEqual(unknownDep.range.start, cursor(text, '"|raw_ordres"'));
    assert.deepEqual(unknownDep.range.end, cursor(text, '"raw_ordres|"'));
  });

  it("keeps each workspace folder its own project (multi-root) and reports every asset of a cycle with related locations", async () => {
    const cycle = path.join(broken, "src/cycle.ts");
    await waitFor("cycle diagnostics", () => client.diagnosticsOf(cycle).length > 0);
    const cycles = client.diagnosticsOf(cycle).filter((d) => d.code === "cycle");
    assert.equal(cycles.length, 3);
    assert.equal(cycles[0]?.relatedInformation?.length, 2);
    const duplicates = client.diagnosticsOf(cycle).filter((d) => d.code === "duplicate-key");
    assert.equal(duplicates.length, 2);
    assert.equal(duplicates[0]?.relatedInformation?.[0]?.location.range.start.line, duplicates[1]?.range.start.line);
    // raw_orders exists in the warehouse folder only: the broken folder has no duplicate of it.
    assert.ok(!client.diagnosticsOf(cycle).some((d) => d.code === "duplicate-key" && d.message.includes("raw_orders")));
  });

  it("answers pull diagnostics (textDocument/diagnostic) with the same items", async () => {
    const report = await client.request<{ kind: string; items: Diagnostic[] }>("textDocument/diagnostic", { textDocument: { uri: uri(file("src/jobs.ts")) } });
    assert.equal(report.kind, "full");
    assert.deepEqual(codes(report.items), ["empty-selection", "invalid-cron", "invalid-selection", "unknown-asset", "unknown-asset", "unknown-job", "unknown-job"]);
  });

  it("sends tributary/status with the projects, their asset counts and the daemon state", async () => {
    const status = await waitFor("a ready status with the daemon connected", () =>
      client.statuses.findLast((s) => s.state === "ready" && s.daemon === "connected"));
    const projects = status.projects as { root: string; assets: number; errors: number }[];
    assert.deepEqual(projects.map((p) => [p.root, p.assets]).sort(), [[uri(broken), 5], [uri(workspace), 8]].sort());
    assert.match(String(status.message), /Tributary: 13 assets · \d+ errors/);
  });

  it("re-analyzes an edited document and clears the fixed diagnostic", async () => {
    const staging = file("src/models/staging.ts");
    const text = await client.open(staging);
    await client.change(staging, text.replace('"raw_ordres"', '"raw_orders"'));
    await waitFor("unknown-dep to disappear", () => !client.diagnosticsOf(staging).some((d) => d.code === "unknown-dep"));
    await client.change(staging, text);
    await waitFor("unknown-dep to come back", () => client.diagnosticsOf(staging).some((d) => d.code === "unknown-dep"));
  });

  it("hovers an asset key with its group, description, upstream and downstream", async () => {
    const raw = file("src/raw.ts");
    const text = fs.readFileSync(raw, "utf8");
    const result = await client.request<Hover>("textDocument/hover", { textDocument: { uri: uri(raw) }, position: cursor(text, 'key: "raw_or|ders"') });
    const value = (result.contents as { value: string }).value;
    assert.match(value, /\*\*raw_orders\*\* · group `raw`/);
    assert.match(value, /Orders loaded from the shop export/);
    assert.match(value, /Upstream: none/);
    assert.match(value, /Downstream: `stg_orders`/);
    assert.match(value, /Checks: `notNull\(id\)`, `unique\(id\)`/);
  });

  it("hovers a schedule's cron with its next three ticks on the schedule's wall clock, as the daemon fires them", async () => {
    const jobs = file("src/jobs.ts");
    const text = fs.readFileSync(jobs, "utf8");
    const expected = (): string[] =>
      nextFireTimes(parseCron("0 2 * * *", "Europe/Paris"), Date.now(), 3).map((tick) => `- ${formatWallTime(tick, "Europe/Paris")} (${new Date(tick).toISOString()})`);
    const before = expected();
    const result = await client.request<Hover>("textDocument/hover", { textDocument: { uri: uri(jobs) }, position: cursor(text, 'cron: "0 2 |* * *"') });
    const value = (result.contents as { value: string }).value;
    assert.match(value, /^\*\*Schedule `nightly_2am`\*\* · `0 2 \* \* \*` in Europe\/Paris\n\nNext ticks:\n/);
    const ticks = value.split("\n").filter((line) => line.startsWith("- "));
    assert.ok([before.join("\n"), expected().join("\n")].includes(ticks.join("\n")), `ticks shown: ${ticks.join(" | ")}`);
    const invalid = await client.request<Hover>("textDocument/hover", { textDocument: { uri: uri(jobs) }, position: cursor(text, 'cron: "61 |* * * *"') });
    assert.match((invalid.contents as { value: string }).value, /invalid cron "61 \* \* \* \*": minute value 61 is out of range 0-59/);
  });

  it("hovers an identifier dependency and a key string in another file", async () => {
    const staging = file("src/models/staging.ts");
    const text = fs.readFileSync(staging, "utf8");
    const onIdentifier = await client.request<Hover>("textDocument/hover", { textDocument: { uri: uri(staging) }, position: cursor(text, "deps: [rawOr|ders,") });
    assert.match((onIdentifier.contents as { value: string }).value, /\*\*raw_orders\*\*/);
    const onString = await client.request<Hover>("textDocument/hover", { textDocument: { uri: uri(staging) }, position: cursor(text, '"raw_pay|ments"') });
    assert.match((onString.contents as { value: string }).value, /\*\*raw_payments\*\*/);
  });

  it("completes asset keys in deps, group names, job names and selection strings", async () => {
    const staging = file("src/models/staging.ts");
    const text = fs.readFileSync(staging, "utf8");
    const edited = text.replace('"raw_payments"]', '"raw_payments", "stg_"]');
    await client.change(staging, edited);
    const keys = await client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri: uri(staging) }, position: cursor(edited, '"stg_|"]') });
    assert.deepEqual(keys.map((k) => k.label).sort(), ["stg_customers", "stg_orders"]);
    const groups = await client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri: uri(staging) }, position: cursor(edited, 'group: "|staging", deps: [rawOrders') });
    assert.deepEqual(groups.map((g) => g.label).sort(), ["marts", "raw", "staging"]);
    await client.change(staging, text);

    const jobs = file("src/jobs.ts");
    const jobsText = await client.open(jobs);
    const inSelection = await client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri: uri(jobs) }, position: cursor(jobsText, 'selection: "group:sta|ging+"') });
    assert.ok(inSelection.some((i) => i.label === "staging"), JSON.stringify(inSelection.map((i) => i.label)));
    const afterOperator = await client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri: uri(jobs) }, position: cursor(jobsText, '"stg_ordrs or |group:staging"') });
    assert.ok(afterOperator.some((i) => i.label === "raw_orders"));
    assert.ok(afterOperator.some((i) => i.label === "group:"));
    const job = await client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri: uri(jobs) }, position: cursor(jobsText, 'job: "nig|hty"') });
    assert.ok(job.some((i) => i.label === "nightly"));
    const withJobTerm = jobsText.replace('selection: "+stg_orders"', 'selection: "+stg_orders or job:ni"');
    await client.change(jobs, withJobTerm);
    const jobTerm = await client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri: uri(jobs) }, position: cursor(withJobTerm, '"+stg_orders or job:ni|"') });
    assert.deepEqual(jobTerm.filter((i) => i.detail === "job").map((i) => i.label), ["nightly"]);
    const attributes = await client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri: uri(jobs) }, position: cursor(withJobTerm, '"+stg_orders or |job:ni"') });
    assert.ok(attributes.some((i) => i.label === "job:"), JSON.stringify(attributes.map((i) => i.label)));
    await client.change(jobs, jobsText);
  });

  it("goes to the definition of a key from a string dependency and from a selection string", async () => {
    const staging = file("src/models/staging.ts");
    const text = fs.readFileSync(staging, "utf8");
    const location = await client.request<Location>("textDocument/definition", { textDocument: { uri: uri(staging) }, position: cursor(text, '"raw_pay|ments"') });
    assert.equal(location.uri, uri(file("src/raw.ts")));
    const rawText = fs.readFileSync(file("src/raw.ts"), "utf8");
    assert.deepEqual(location.range.start, cursor(rawText, 'key: "|raw_payments"'));
    const jobs = file("src/jobs.ts");
    const jobsText = fs.readFileSync(jobs, "utf8");
    const fromSelection = await client.request<Location>("textDocument/definition", { textDocument: { uri: uri(jobs) }, position: cursor(jobsText, '"+stg_or|ders"') });
    assert.equal(fromSelection.uri, uri(file("src/models/staging.ts")));
    const fromAssetSelection = await client.request<Location>("textDocument/definition", { textDocument: { uri: uri(jobs) }, position: cursor(jobsText, "AssetSelection.assets(rawOr|ders") });
    assert.equal(fromAssetSelection.uri, uri(file("src/raw.ts")));
  });

  it("finds every reference to a key: declaration, identifiers, strings, checks and selections", async () => {
    const raw = file("src/raw.ts");
    const text = fs.readFileSync(raw, "utf8");
    const locations = await client.request<Location[]>("textDocument/references", {
      textDocument: { uri: uri(raw) }, position: cursor(text, 'key: "raw_or|ders"'), context: { includeDeclaration: true },
    });
    const where = locations.map((l) => path.relative(workspace, new URL(l.uri).pathname)).sort();
    assert.deepEqual(where, ["src/jobs.ts", "src/models/staging.ts", "src/raw.ts"]);
    const staging = fs.readFileSync(file("src/models/staging.ts"), "utf8");
    const toStaging = await client.request<Location[]>("textDocument/references", {
      textDocument: { uri: uri(file("src/models/staging.ts")) }, position: cursor(staging, 'key: "stg_or|ders"'), context: { includeDeclaration: false },
    });
    // The "+stg_orders" selection (jobs.ts), the multiAsset's deps (marts.ts), the check's `asset: stgOrders` (staging.ts).
    assert.deepEqual(toStaging.map((l) => path.basename(new URL(l.uri).pathname)).sort(), ["jobs.ts", "marts.ts", "staging.ts"]);
  });

  it("renames a key in its declaration and string dependencies, and refuses an existing key", async () => {
    const raw = file("src/raw.ts");
    const text = fs.readFileSync(raw, "utf8");
    const position = cursor(text, 'key: "raw_pay|ments"');
    const prepared = await client.request<{ placeholder: string }>("textDocument/prepareRename", { textDocument: { uri: uri(raw) }, position });
    assert.equal(prepared.placeholder, "raw_payments");
    const edit = await client.request<WorkspaceEdit>("textDocument/rename", { textDocument: { uri: uri(raw) }, position, newName: "raw_pays" });
    const files = Object.keys(edit.changes ?? {}).map((u) => path.relative(workspace, new URL(u).pathname)).sort();
    assert.deepEqual(files, ["src/models/staging.ts", "src/raw.ts"]);
    assert.ok(Object.values(edit.changes ?? {}).flat().every((e) => e.newText === "raw_pays"));
    await assert.rejects(client.request("textDocument/rename", { textDocument: { uri: uri(raw) }, position, newName: "raw_orders" }), /already exists/);
  });

  it("lists document symbols and workspace symbols", async () => {
    const symbols = await client.request<DocumentSymbol[]>("textDocument/documentSymbol", { textDocument: { uri: uri(file("src/models/staging.ts")) } });
    assert.deepEqual(symbols.map((s) => `${s.name} ${s.detail}`), ["stg_orders asset · staging", "stg_customers asset · staging", "orders_have_payments check", "customers_exist check"]);
    const found = await client.request<WorkspaceSymbol[]>("workspace/symbol", { query: "stgord" });
    assert.deepEqual(found.map((s) => s.name), ["stg_orders"]);
  });

  it("offers did-you-mean and register-in-definitions quick fixes", async () => {
    const staging = file("src/models/staging.ts");
    const diagnostics = client.diagnosticsOf(staging).filter((d) => d.code === "unknown-dep");
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri: uri(staging) }, range: diagnostics[0]?.range, context: { diagnostics },
    });
    assert.equal(actions[0]?.title, 'Change to "raw_orders"');
    assert.equal(actions[0]?.edit?.changes?.[uri(staging)]?.[0]?.newText, "raw_orders");

    const marts = file("src/models/marts.ts");
    const unregistered = client.diagnosticsOf(marts).filter((d) => d.code === "unregistered-asset");
    const register = await client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri: uri(marts) }, range: unregistered[0]?.range, context: { diagnostics: unregistered },
    });
    const edits = register[0]?.edit?.changes?.[uri(file("src/definitions.ts"))] ?? [];
    assert.deepEqual(edits.map((e) => e.newText), ['import { ordersReport } from "./models/marts";\n', ", ordersReport"]);
  });

  it("shows Materialize, Materialize with upstream and Show lineage CodeLens, plus the daemon's status", async () => {
    daemon.assets = [{
      key: "raw_orders", group: "raw", deps: [], status: "FRESH",
      latestMaterialization: { runId: "r1", timestamp: new Date(Date.now() - 3 * 60_000).toISOString(), metadata: { rows: 42 } },
      latestChecks: [
        { checkName: "not_null_id", passed: true, severity: "ERROR", timestamp: new Date().toISOString(), runId: "r1" },
        { checkName: "unique_id", passed: true, severity: "ERROR", timestamp: new Date().toISOString(), runId: "r1" },
      ],
    }];
    const raw = file("src/raw.ts");
    const titles = await waitForLenses(raw, (t) => t.includes("materialized 3 min ago · 2/2 checks passed"));
    assert.deepEqual(titles.slice(0, 4), ["▶ Materialize", "Materialize with upstream", "Show lineage", "materialized 3 min ago · 2/2 checks passed"]);
    const all = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri: uri(raw) } });
    const status = all.find((l) => l.command?.title === "materialized 3 min ago · 2/2 checks passed");
    assert.deepEqual(status?.command && { command: status.command.command, arguments: status.command.arguments }, { command: "tributary.openRun", arguments: [{ runId: "r1", key: "raw_orders" }] },
      "the status opens the latest materialization's run page");
    assert.deepEqual(all.filter((l) => l.command?.title === "Materialize with upstream").map((l) => l.command?.arguments?.[0]),
      [{ selection: "+raw_orders", key: "raw_orders" }, { selection: "+raw_payments", key: "raw_payments" }, { selection: "+warehouse/customers", key: "warehouse/customers" }]);
    const text = fs.readFileSync(raw, "utf8");
    const hover = await client.request<Hover>("textDocument/hover", { textDocument: { uri: uri(raw) }, position: cursor(text, 'key: "raw_or|ders"') });
    assert.match((hover.contents as { value: string }).value, /Latest materialization: 3 min ago \(run `r1`\)/);
  });

  it("adds the asset's freshness from the daemon to its CodeLens status and its hover", async () => {
    const materializedAt = new Date(Date.now() - 30 * 3_600_000).toISOString();
    daemon.assets = [{
      key: "raw_orders", group: "raw", deps: [], status: "FRESH",
      latestMaterialization: { runId: "r2", timestamp: materializedAt, metadata: {} },
      latestChecks: [],
      freshness: {
        state: "STALE", maxLag: "24h", warnAfter: "12h", lastMaterializedAt: materializedAt, partitionKey: null,
        warnSince: null, staleSince: null, staleAt: null,
      },
    }];
    const raw = file("src/raw.ts");
    const titles = await waitForLenses(raw, (t) => t.includes("freshness: stale (over 24h)"));
    assert.equal(titles[3], "materialized 30 h ago · freshness: stale (over 24h)");
    const text = fs.readFileSync(raw, "utf8");
    const hover = await client.request<Hover>("textDocument/hover", { textDocument: { uri: uri(raw) }, position: cursor(text, 'key: "raw_or|ders"') });
    assert.match((hover.contents as { value: string }).value, /freshness: stale \(over 24h\)/);
  });

  async function waitForLenses(file: string, match: (title: string) => boolean): Promise<string[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri: uri(file) } });
      const titles = lenses.map((l) => l.command?.title ?? "");
      if (titles.some(match)) return titles;
      if (Date.now() > deadline) throw new Error(`no matching CodeLens in ${JSON.stringify(titles)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it("turns failed data-quality checks from the daemon into diagnostics on the asset", async () => {
    daemon.assets = [{
      key: "stg_orders", status: "FRESH", latestMaterialization: null,
      latestChecks: [{ checkName: "orders_have_payments", passed: false, severity: "ERROR", timestamp: new Date().toISOString(), runId: "r9" }],
    }];
    const staging = file("src/models/staging.ts");
    const failed = await waitFor("check-failed diagnostic", () => client.diagnosticsOf(staging).find((d) => d.code === "check-failed"));
    assert.match(failed.message, /Check "orders_have_payments" failed on "stg_orders" in run r9/);
    daemon.assets = [];
    await waitFor("check-failed to clear", () => !client.diagnosticsOf(staging).some((d) => d.code === "check-failed"));
  });

  it("materializes through the daemon with workspace/executeCommand", async () => {
    const result = await client.request<{ runId: string }>("workspace/executeCommand", { command: "tributary.server.materialize", arguments: [{ selection: "+stg_orders" }] });
    assert.match(result.runId, /^run-\d+$/);
    assert.deepEqual(daemon.runs.at(-1), { selection: "+stg_orders" });
  });

  it("answers tributary/jobs with every defineAssetJob() by name, its selection and its location", async () => {
    const { jobs } = await client.request<{ jobs: { name: string; uri: string; range: { start: { line: number } }; selection: string | null }[] }>("tributary/jobs", { uri: uri(workspace) });
    assert.deepEqual(jobs.map((j) => [j.name, j.selection]), [
      ["nightly", "group:staging+"], ["raw_only", "raw_orders"], ["typo", "stg_ordrs or group:staging"], ["broken", "group:staging and ("],
      ["empty", "group:nothing_here"], ["orders", "+stg_orders"],
    ]);
    assert.equal(jobs[0]?.uri, uri(file("src/jobs.ts")));
    assert.equal(jobs[0]?.range.start.line, 3);
  });

  it("answers tributary/lineage with locations, focused on an asset and a depth", async () => {
    const full = await client.request<{ nodes: { key: string; uri: string }[]; edges: { from: string; to: string }[] }>("tributary/lineage", { uri: uri(workspace) });
    assert.equal(full.nodes.length, 8);
    const focused = await client.request<{ nodes: { key: string; uri: string; range: unknown }[]; edges: { from: string; to: string }[] }>("tributary/lineage", { uri: uri(workspace), focus: "stg_orders", depth: 1 });
    assert.deepEqual(focused.nodes.map((n) => n.key).sort(), ["orders_a", "orders_b", "raw_orders", "raw_payments", "stg_orders"]);
    assert.deepEqual(focused.edges.map((e) => `${e.from}->${e.to}`).sort(), ["raw_orders->stg_orders", "raw_payments->stg_orders", "stg_orders->orders_a", "stg_orders->orders_b"]);
    assert.equal(focused.nodes.find((n) => n.key === "raw_orders")?.uri, uri(file("src/raw.ts")));
    const at = await client.request<{ key: string }>("tributary/assetAt", { textDocument: { uri: uri(file("src/raw.ts")) }, position: cursor(fs.readFileSync(file("src/raw.ts"), "utf8"), 'key: "raw_pay|ments"') });
    assert.deepEqual(at, { key: "raw_payments" });
  });

  it("picks up files created and deleted on disk (workspace/didChangeWatchedFiles)", async () => {
    const extra = file("src/extra.ts");
    fs.writeFileSync(extra, 'import { asset } from "tributary-ts";\nexport const extra = asset({ key: "extra", deps: ["nope_nope"] }, async () => 1);\n');
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: uri(extra), type: 1 }] });
    await waitFor("diagnostics of the new file", () => client.diagnosticsOf(extra).some((d) => d.code === "unknown-dep"));
    fs.rmSync(extra);
    await client.connection.sendNotification("workspace/didChangeWatchedFiles", { changes: [{ uri: uri(extra), type: 3 }] });
    await waitFor("diagnostics of the deleted file to clear", () => client.diagnosticsOf(extra).length === 0);
  });

  it("adds a workspace folder at run time (workspace/didChangeWorkspaceFolders)", async () => {
    const clean = path.join(fixtures, "clean");
    await client.connection.sendNotification("workspace/didChangeWorkspaceFolders", { event: { added: [{ uri: uri(clean), name: "clean" }], removed: [] } });
    const status = await waitFor("three projects", () => client.statuses.findLast((s) => (s.projects as unknown[]).length === 3));
    assert.ok((status.projects as { root: string }[]).some((p) => p.root === uri(clean)));
  });

  it("survives garbage, half-typed code and a huge document and keeps answering", async () => {
    const junk = file("src/junk.ts");
    await client.open(junk, "import { asset } from 'tributary-ts';\nexport const x = asset({ key: \"half\", deps: [\"raw_ord");
    await client.change(junk, "\u0000\uffff}}}{{{ asset(( export default definitions({ assets: [...");
    await client.change(junk, "x".repeat(3_000_000));
    await client.change(junk, "");
    const hover = await client.request<Hover | null>("textDocument/hover", { textDocument: { uri: uri(junk) }, position: { line: 0, character: 0 } });
    assert.equal(hover, null);
    assert.ok(client.alive());
    assert.doesNotMatch(client.stderr, /Error/);
  });
});

describe("language server with a pull-diagnostics client and no daemon", function () {
  this.timeout(30_000);
  let client: LspTestClient;
  const clean = path.join(fixtures, "clean");

  before(async () => {
    const closed = http.createServer();
    const port = await new Promise<number>((resolve) => closed.listen(0, "127.0.0.1", () => resolve((closed.address() as AddressInfo).port)));
    closed.close();
    client = await LspTestClient.start([clean], {
      capabilities: { workspace: { configuration: true, diagnostics: { refreshSupport: true } }, textDocument: { diagnostic: { dynamicRegistration: false } } },
      settings: { daemonUrl: `http://127.0.0.1:${port}`, daemonPollIntervalMs: 50 },
    });
  });

  after(async () => {
    await client?.stop();
  });

  it("does not push diagnostics to a client that pulls them, and answers the pull", async () => {
    const definitions = path.join(clean, "definitions.ts");
    const text = await client.open(definitions);
    await client.change(definitions, text.replace("deps: [rawOrders]", 'deps: ["raw_ordes"]'));
    const report = await waitForPulled(definitions);
    assert.equal(report[0]?.code, "unknown-dep");
    assert.equal(client.publishes.length, 0);
  });

  async function waitForPulled(file: string): Promise<Diagnostic[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const report = await client.request<{ items: Diagnostic[] }>("textDocument/diagnostic", { textDocument: { uri: uri(file) } });
      if (report.items.length > 0) return report.items;
      if (Date.now() > deadline) throw new Error("no pulled diagnostics");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it("stays quiet while the daemon is down: no status CodeLens, no logged errors, status says unreachable", async () => {
    await waitFor("a status saying the daemon is unreachable", () => client.statuses.findLast((s) => s.daemon === "unreachable"));
    const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri: uri(path.join(clean, "definitions.ts")) } });
    assert.deepEqual([...new Set(lenses.map((l) => l.command?.title))], ["▶ Materialize", "Materialize with upstream", "Show lineage"]);
    await assert.rejects(
      client.request("workspace/executeCommand", { command: "tributary.server.materialize", arguments: [{ selection: "raw_orders" }] }),
      /not reachable at http:\/\/127\.0\.0\.1:\d+: start it with `tributary dev`/,
    );
    assert.equal(client.stderr, "");
  });
});
