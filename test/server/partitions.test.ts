import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { CodeAction, CodeLens, Diagnostic, Hover } from "vscode-languageserver-protocol";
import { type FakeDaemon, startDaemon } from "./fakeDaemon";
import { cursor, LspTestClient, uri } from "./lspClient";
import { waitFor } from "../support/waitFor";

/**
 * Partitions in the language server, over stdio: invalid partition definitions and mappings are
 * diagnostics on the argument at fault, and the hover shows an asset's partitions and, when the
 * daemon is reachable, their status (fixtures/partitions).
 */
describe("language server: partitions", function () {
  this.timeout(30_000);
  let client: LspTestClient;
  let daemon: FakeDaemon;
  let workspace: string;
  const file = (relative: string): string => path.join(workspace, relative);
  const text = (relative: string): string => fs.readFileSync(file(relative), "utf8");
  /** The one diagnostic with `code` in a file (fails when there is not exactly one). */
  const only = (relative: string, code: string): Diagnostic => {
    const found = client.diagnosticsOf(file(relative)).filter((d) => d.code === code);
    assert.equal(found.length, 1, `${code} in ${relative}: ${JSON.stringify(client.diagnosticsOf(file(relative)))}`);
    return found[0] as Diagnostic;
  };
  const rangeOf = (relative: string, snippetStart: string, snippetEnd: string) => ({ start: cursor(text(relative), snippetStart), end: cursor(text(relative), snippetEnd) });

  before(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-partitions-"));
    fs.cpSync(path.join(__dirname, "fixtures", "partitions"), workspace, { recursive: true });
    daemon = await startDaemon();
    daemon.assets = [{
      key: "daily_orders", status: "FAILED", latestMaterialization: null, latestChecks: [],
      partitions: {
        asset: "daily_orders", definition: "daily partitions from 2018-01-01 (Europe/Paris)", total: 6,
        materialized: { count: 3, ranges: [["2018-01-01", "2018-01-03"]] },
        failed: { count: 1, ranges: [["2018-01-04", "2018-01-04"]] },
        missing: { count: 2, ranges: [["2018-01-05", "2018-01-06"]] },
        strip: "MMMF--",
      },
    }];
    client = await LspTestClient.start([workspace], { settings: { daemonUrl: daemon.url, daemonPollIntervalMs: 100 } });
    await waitFor("assets.ts diagnostics", () => client.diagnosticsOf(file("src/assets.ts")).length > 0);
  });

  after(async () => {
    await client?.stop();
    daemon?.close();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it("reports exactly the invalid definitions and mappings, and nothing on the valid ones", () => {
    const codes = (relative: string): string[] => client.diagnosticsOf(file(relative)).map((d) => String(d.code)).sort();
    assert.deepEqual(codes("src/partitions.ts"), ["duplicate-partition-key", "unknown-timezone"]);
    assert.deepEqual(codes("src/assets.ts"), [
      "incompatible-partition-mapping", "incompatible-partition-mapping", "invalid-partition-start", "invalid-partition-start", "partition-mapping-unknown-dep",
    ]);
    assert.deepEqual(codes("src/definitions.ts"), []);
    assert.deepEqual(codes("src/sqlAssets.ts"), [], "a mapping of a dep the query interpolates");
    for (const diagnostic of client.diagnosticsOf(file("src/assets.ts"))) {
      assert.equal(diagnostic.source, "tributary");
      assert.equal(diagnostic.severity, 1);
    }
  });

  it("reports a start that is not a calendar date on the start argument (invalid-partition-start)", () => {
    const diagnostic = client.diagnosticsOf(file("src/assets.ts")).find((d) => d.code === "invalid-partition-start" && d.message.includes("2024-02-30")) as Diagnostic;
    assert.ok(diagnostic);
    assert.match(diagnostic.message, /monthlyPartitions\(\): start "2024-02-30" is not a calendar date/);
    assert.deepEqual(diagnostic.range, rangeOf("src/assets.ts", 'start: "|2024-02-30"', 'start: "2024-02-30|"'));
  });

  it("reports an end before the start on the end argument, with the start as related location", () => {
    const diagnostic = client.diagnosticsOf(file("src/assets.ts")).find((d) => d.code === "invalid-partition-start" && d.message.includes("leaves no whole daily window")) as Diagnostic;
    assert.ok(diagnostic);
    assert.deepEqual(diagnostic.range, rangeOf("src/assets.ts", 'end: "|2024-01-01"', 'end: "2024-01-01|"'));
    const related = diagnostic.relatedInformation?.[0];
    assert.equal(related?.location.uri, uri(file("src/assets.ts")));
    assert.deepEqual(related?.location.range, rangeOf("src/assets.ts", 'start: "|2024-06-01"', 'start: "2024-06-01|"'));
  });

  it("reports an unknown time zone with a did-you-mean quick fix (unknown-timezone)", async () => {
    const diagnostic = only("src/partitions.ts", "unknown-timezone");
    assert.match(diagnostic.message, /Unknown time zone "Europe\/Pariss"; did you mean "Europe\/Paris"\?/);
    assert.deepEqual(diagnostic.range, rangeOf("src/partitions.ts", 'timezone: "|Europe/Pariss"', 'timezone: "Europe/Pariss|"'));
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri: uri(file("src/partitions.ts")) }, range: diagnostic.range, context: { diagnostics: [diagnostic] },
    });
    const fix = actions.find((a) => a.title === 'Change to "Europe/Paris"');
    assert.ok(fix, JSON.stringify(actions));
    assert.deepEqual(fix.edit?.changes?.[uri(file("src/partitions.ts"))], [{ range: diagnostic.range, newText: "Europe/Paris" }]);
  });

  it("reports a repeated static key on the repetition, with the first one as related location (duplicate-partition-key)", () => {
    const diagnostic = only("src/partitions.ts", "duplicate-partition-key");
    assert.match(diagnostic.message, /Partition key "us" is listed twice/);
    assert.deepEqual(diagnostic.range, rangeOf("src/partitions.ts", '"apac", "|us"', '"apac", "us|"'));
    assert.deepEqual(diagnostic.relatedInformation?.[0]?.location.range, rangeOf("src/partitions.ts", '"eu", "|us", "apac"', '"eu", "us|", "apac"'));
  });

  it("reports mappings the runtime would refuse at load, on the dependency or the mapping (incompatible-partition-mapping)", () => {
    const found = client.diagnosticsOf(file("src/assets.ts")).filter((d) => d.code === "incompatible-partition-mapping");
    const byDefault = found.find((d) => d.message.includes("default identity mapping")) as Diagnostic;
    assert.ok(byDefault);
    assert.match(byDefault.message, /"region_report" has daily partitions from 2024-01-01 \(UTC\) and "raw_regions" has static partitions: eu, us, apac/);
    assert.deepEqual(byDefault.range, rangeOf("src/assets.ts", "deps: [rawOrders, |rawRegions]", "deps: [rawOrders, rawRegions|]"));
    const explicit = found.find((d) => d.message.includes("static mapping")) as Diagnostic;
    assert.ok(explicit);
    assert.match(explicit.message, /reads emea, not partitions of "raw_regions"/);
    assert.deepEqual(explicit.range, rangeOf("src/assets.ts", 'raw_regions: |staticMapping', '["eu", "emea"] })| }'));
  });

  it("reports a mapping for a key that is not a dependency, with did-you-mean (partition-mapping-unknown-dep)", () => {
    const diagnostic = only("src/assets.ts", "partition-mapping-unknown-dep");
    assert.match(diagnostic.message, /partitionMappings names "raw_region", which is not one of the deps of "region_report"; did you mean "raw_regions"\?/);
    assert.deepEqual(diagnostic.range, rangeOf("src/assets.ts", "partitionMappings: { |raw_region:", "partitionMappings: { raw_region|:"));
  });

  /** Hovers until `done` accepts the markdown (the daemon is polled every 100 ms), or fails after 10 s. */
  async function hoverUntil(relative: string, snippet: string, done: (markdown: string) => boolean): Promise<string> {
    const deadline = Date.now() + 10_000;
    let markdown = "";
    while (Date.now() < deadline) {
      const result = await client.request<Hover>("textDocument/hover", { textDocument: { uri: uri(file(relative)) }, position: cursor(text(relative), snippet) });
      markdown = (result.contents as { value: string }).value;
      if (done(markdown)) return markdown;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`timed out waiting for the hover; last: ${markdown}`);
  }

  it("hovers a partitioned asset with its partitions and the daemon's partition status", async () => {
    const value = await hoverUntil("src/assets.ts", 'key: "daily_or|ders"', (markdown) => markdown.includes("Partition status"));
    assert.match(value, /Partitions: daily partitions from 2018-01-01 \(Europe\/Paris\)/);
    assert.match(value, /Partition status: 3\/6 materialized \(`2018-01-01`…`2018-01-03`\) · 1 failed \(`2018-01-04`\) · 2 missing \(`2018-01-05`…`2018-01-06`\)/);
  });

  it("names the asset and that it is partitioned in the Materialize CodeLens, so a client can ask which partitions to run", async () => {
    const lenses = await client.request<CodeLens[]>("textDocument/codeLens", { textDocument: { uri: uri(file("src/assets.ts")) } });
    const materialize = lenses.filter((l) => l.command?.title === "▶ Materialize").map((l) => l.command?.arguments?.[0] as { key: string });
    assert.deepEqual(materialize.find((a) => a.key === "daily_orders"), { selection: "daily_orders", key: "daily_orders", partitioned: true });
    const upstream = lenses.find((l) => l.command?.title === "Materialize with upstream" && (l.command.arguments?.[0] as { key: string }).key === "raw_orders");
    assert.deepEqual(upstream?.command?.arguments?.[0], { selection: "+raw_orders", key: "raw_orders", partitioned: true });
  });

  it("hovers a partitioned asset the daemon does not know with its partitions only", async () => {
    const value = await hoverUntil("src/assets.ts", 'key: "raw_reg|ions"', (markdown) => markdown.includes("Partitions:"));
    assert.match(value, /Partitions: static partitions: eu, us, apac/);
    assert.doesNotMatch(value, /Partition status/);
  });

  it("re-checks the assets of other files when a partitions constant changes, and clears fixed problems", async () => {
    const partitions = file("src/partitions.ts");
    const original = await client.open(partitions);
    const edited = original.replace('"Europe/Pariss"', '"Europe/Paris"').replace('staticPartitions(["eu", "us", "apac", "us"])', 'dailyPartitions({ start: "2020-01-01" })');
    await client.change(partitions, edited);
    await waitFor("the partitions file to be clean", () => client.diagnosticsOf(partitions).length === 0);
    // raw_regions is now daily: region_report reads it through the default time-window mapping, and
    // region_totals (whose partitions are the same constant) now has a static mapping between two daily assets.
    await waitFor("region_report's mapping problem to go", () => !client.diagnosticsOf(file("src/assets.ts")).some((d) => d.message.includes("default identity mapping")));
    const assets = client.diagnosticsOf(file("src/assets.ts"));
    assert.ok(assets.some((d) => d.code === "incompatible-partition-mapping" && /region_totals.*static mapping/.test(d.message)), JSON.stringify(assets.map((d) => d.message)));
    await client.change(partitions, original);
    await waitFor("the problems to come back", () => client.diagnosticsOf(partitions).length === 2
      && client.diagnosticsOf(file("src/assets.ts")).some((d) => d.message.includes("default identity mapping")));
  });
});
