import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { CodeAction, Diagnostic, Hover } from "vscode-languageserver-protocol";
import { runValidate, type ValidateReport } from "../../server/src/validateCli";
import { cursor, LspTestClient, uri } from "./lspClient";
import { waitFor } from "../support/waitFor";

const fixture = path.join(__dirname, "fixtures", "automation");

/**
 * Declarative automation and freshness in the language server, over stdio with the real server
 * (fixtures/automation): invalid crons, time zones and durations on the string at fault, the
 * project-wide condition rules, nothing on valid (or unreadable) conditions, the hover's condition
 * in words with its next ticks, and `tributary validate --json` reporting the same.
 */
describe("language server: automation conditions and freshness", function () {
  this.timeout(30_000);
  let client: LspTestClient;
  let workspace: string;
  const file = (relative: string): string => path.join(workspace, relative);
  const text = (relative: string): string => fs.readFileSync(file(relative), "utf8");
  /** The one diagnostic with `code` whose range starts at the `|` of `snippet`. */
  const at = (relative: string, code: string, snippet: string): Diagnostic => {
    const start = cursor(text(relative), snippet);
    const found = client.diagnosticsOf(file(relative)).filter((d) => d.code === code && d.range.start.line === start.line && d.range.start.character === start.character);
    assert.equal(found.length, 1, `${code} at ${snippet}: ${JSON.stringify(client.diagnosticsOf(file(relative)), null, 1)}`);
    return found[0] as Diagnostic;
  };

  before(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-automation-"));
    fs.cpSync(fixture, workspace, { recursive: true });
    client = await LspTestClient.start([workspace]);
    await waitFor("problems.ts diagnostics", () => client.diagnosticsOf(file("src/problems.ts")).length > 0);
  });

  after(async () => {
    await client?.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it("reports each problem once, and nothing on valid or unreadable conditions", () => {
    const codes = (relative: string): string[] => client.diagnosticsOf(file(relative)).map((d) => String(d.code)).sort();
    assert.deepEqual(codes("src/problems.ts"), [
      "automation-deps-never-updated", "automation-deps-never-updated", "automation-deps-never-updated",
      "automation-invalid-cron", "automation-invalid-cron", "automation-invalid-timezone",
      "automation-partitioned-eager-unpartitioned-deps", "automation-partitioned-eager-unpartitioned-deps",
      "freshness-invalid-duration", "freshness-invalid-duration", "freshness-warn-not-shorter",
    ]);
    assert.deepEqual(codes("src/shared.ts"), ["automation-invalid-cron"]);
    for (const clean of ["src/valid.ts", "src/raw.ts", "src/jobs.ts", "src/conditions.ts", "src/definitions.ts"]) assert.deepEqual(codes(clean), [], clean);
  });

  it("puts cron and time zone errors on the string, with the runtime cron engine's message", () => {
    const cron = at("src/problems.ts", "automation-invalid-cron", 'onCron("|61 6 * * *")');
    assert.equal(cron.severity, 1);
    assert.match(cron.message, /minute value 61 is out of range 0-59/);
    assert.deepEqual(cron.range.end, cursor(text("src/problems.ts"), 'onCron("61 6 * * *|")'));
    const nested = at("src/problems.ts", "automation-invalid-cron", 'cronTickPassed("|0 25 * * *")');
    assert.match(nested.message, /hour value 25 is out of range 0-23/);
    const zone = at("src/problems.ts", "automation-invalid-timezone", 'timezone: "|Europe/Pari"');
    assert.match(zone.message, /did you mean "Europe\/Paris"/);
    // A constant's cron is reported once, where the constant is written, not on each asset using it.
    assert.match(at("src/shared.ts", "automation-invalid-cron", 'cronTickPassed("|0 0 32 * *")').message, /day-of-month value 32 is out of range 1-31/);
  });

  it("offers the closest time zone as a quick fix", async () => {
    const zone = at("src/problems.ts", "automation-invalid-timezone", 'timezone: "|Europe/Pari"');
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri: uri(file("src/problems.ts")) }, range: zone.range, context: { diagnostics: [zone] },
    });
    const edit = actions.find((action) => action.title === 'Change to "Europe/Paris"')?.edit?.changes?.[uri(file("src/problems.ts"))];
    assert.deepEqual(edit, [{ range: zone.range, newText: "Europe/Paris" }]);
  });

  it("warns on eager() whose deps can never be updated, and on a partitioned eager() over unpartitioned deps", () => {
    const lonely = at("src/problems.ts", "automation-deps-never-updated", 'key: "lonely", automation: |AutomationCondition.eager()');
    assert.equal(lonely.severity, 2);
    assert.match(lonely.message, /has no deps: it is materialized once, when it is missing, and never again/);
    const payments = at("src/problems.ts", "automation-deps-never-updated", 'deps: [rawPayments], automation: |AutomationCondition.eager()');
    assert.match(payments.message, /nothing in the project materializes its dep "raw_payments"/);
    assert.equal(payments.relatedInformation?.[0]?.location.uri, uri(file("src/raw.ts")));
    const daily = at("src/problems.ts", "automation-partitioned-eager-unpartitioned-deps", 'dailyPartitions({ start: "2024-01-01" }), automation: |AutomationCondition.eager()');
    assert.match(daily.message, /requests only the latest partition/);
    const regions = at("src/problems.ts", "automation-partitioned-eager-unpartitioned-deps", 'staticPartitions(["eu", "us"]), automation: |AutomationCondition.eager()');
    assert.match(regions.message, /requests every partition/);
    // Followed through a constant imported from another file (through a namespace import there).
    const shared = at("src/problems.ts", "automation-deps-never-updated", 'key: "lonely_shared", automation: |sharedEager');
    assert.match(shared.message, /"lonely_shared", which has no deps/);
  });

  it("checks freshness durations with the runtime's parser", () => {
    assert.match(at("src/problems.ts", "freshness-invalid-duration", 'maxLag: "|24 hours"').message, /"24 hours" is not a duration/);
    assert.match(at("src/problems.ts", "freshness-warn-not-shorter", 'warnAfter: "|1d"').message, /must be shorter than maxLag \(12h\)/);
    assert.match(at("src/problems.ts", "freshness-invalid-duration", 'freshness: |{ warnAfter: "1h" }').message, /needs maxLag/);
  });

  it("follows a condition through a constant, and a multiAsset output's own condition", async () => {
    const hover = async (snippet: string): Promise<string> => {
      const result = await client.request<Hover>("textDocument/hover", { textDocument: { uri: uri(file("src/valid.ts")) }, position: cursor(text("src/valid.ts"), snippet) });
      return (result?.contents as { value: string } | undefined)?.value ?? "";
    };
    const report = await hover('key: "rep|ort"');
    assert.match(report, /Automation: `on_cron\(0 6 \* \* \*, Europe\/Paris\)` · Materialized once per tick of `0 6 \* \* \*` \(Europe\/Paris\), as soon as every dep has been updated since that tick\./);
    const ticks = report.split("\n").filter((line) => /^- \d{4}-\d\d-\d\d 06:00:00 \+0[12]:00 \(/.test(line));
    assert.equal(ticks.length, 3, report);
    const eager = await hover('key: "stg_|orders"');
    assert.match(eager, /Automation: `eager` · Materialized when any dep is updated \(or when it becomes missing\), unless a dep is missing or in progress/);
    assert.match(eager, /Freshness: FRESH until 12h after its latest materialization, then WARN, and STALE from 24h\./);
    const hourly = await hover('key: "hour|ly"');
    assert.match(hourly, /Automation: `\(cron_tick_passed\(0 \* \* \* \*, UTC\) & ~in_progress\)` · Materialized when a tick of `0 \* \* \* \*` \(UTC\) has passed and it is not in progress\./);
    assert.match(hourly, /`0 \* \* \* \*` in UTC: Next ticks:/);
    assert.match(hourly, /Freshness: FRESH until 2h after its latest materialization, then STALE\./);
    const composed = await hover('key: "compo|sed"');
    assert.match(composed, /Automation: `\(\(eager & ~execution_failed\) \| on_missing\.since\(newly_updated\)\)`/);
    const splitA = await hover("split_|a");
    assert.match(splitA, /on_cron\(0 7 \* \* \*, America\/New_York\)/);
    const splitB = await hover("split_|b");
    assert.match(splitB, /Automation: `eager`/);
    const imported = await hover('key: "impor|ted"');
    assert.match(imported, /Automation: `on_cron\(30 5 \* \* 1, Asia\/Tokyo\)`/);
    assert.equal(imported.split("\n").filter((line) => /^- \d{4}-\d\d-\d\d 05:30:00 \+09:00 \(/.test(line)).length, 3, imported);
    const built = await hover('key: "bui|lt"');
    assert.match(built, /Automation · Its condition is built in a way the editor does not read/);
  });

  it("hovers the cron string of a condition with its next ticks, also through a constant of the file", async () => {
    const hover = async (relative: string, snippet: string): Promise<string> => {
      const result = await client.request<Hover>("textDocument/hover", { textDocument: { uri: uri(file(relative)) }, position: cursor(text(relative), snippet) });
      return (result?.contents as { value: string } | undefined)?.value ?? "";
    };
    const nightly = await hover("src/valid.ts", 'onCron("0 6| * * *", { timezone: "Europe/Paris" })');
    assert.match(nightly, /^\*\*onCron\*\* of `report` · `0 6 \* \* \*` in Europe\/Paris\n\nNext ticks:\n/);
    assert.equal(nightly.split("\n").filter((line) => /^- \d{4}-\d\d-\d\d 06:00:00 \+0[12]:00 \(/.test(line)).length, 3, nightly);
    const invalid = await hover("src/problems.ts", 'onCron("61| 6 * * *")');
    assert.match(invalid, /minute value 61 is out of range 0-59/);
  });

  it("tributary validate --json reports the same diagnostics with 1-based positions", async () => {
    let stdout = "";
    const code = await runValidate([fixture, "--json"], { stdout: (s) => (stdout += s), stderr: () => undefined });
    const report = JSON.parse(stdout) as ValidateReport;
    assert.equal(code, 1);
    const source = fs.readFileSync(path.join(fixture, "src/problems.ts"), "utf8");
    const position = (snippet: string): string => {
      const { line, character } = cursor(source, snippet);
      return `src/problems.ts:${line + 1}:${character + 1}`;
    };
    assert.deepEqual(report.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code}`), [
      `${position('onCron("|61 6 * * *")')} error automation-invalid-cron`,
      `${position('timezone: "|Europe/Pari"')} error automation-invalid-timezone`,
      `${position('cronTickPassed("|0 25 * * *")')} error automation-invalid-cron`,
      `${position('key: "lonely", automation: |AutomationCondition.eager()')} warning automation-deps-never-updated`,
      `${position('deps: [rawPayments], automation: |AutomationCondition.eager()')} warning automation-deps-never-updated`,
      `${position('dailyPartitions({ start: "2024-01-01" }), automation: |AutomationCondition.eager()')} warning automation-partitioned-eager-unpartitioned-deps`,
      `${position('staticPartitions(["eu", "us"]), automation: |AutomationCondition.eager()')} warning automation-partitioned-eager-unpartitioned-deps`,
      `${position('maxLag: "|24 hours"')} error freshness-invalid-duration`,
      `${position('warnAfter: "|1d"')} error freshness-warn-not-shorter`,
      `${position('freshness: |{ warnAfter: "1h" }')} error freshness-invalid-duration`,
      `${position('key: "lonely_shared", automation: |sharedEager')} warning automation-deps-never-updated`,
      `src/shared.ts:4:${fs.readFileSync(path.join(fixture, "src/shared.ts"), "utf8").split("\n")[3]!.indexOf("0 0 32") + 1} error automation-invalid-cron`,
    ]);
  });

  it("refuses exactly what the runtime's asset() and AutomationCondition refuse at definition time", async () => {
    const crons: [string, string | undefined][] = [
      ["0 6 * * *", undefined], ["0 6 * * *", "Europe/Paris"], ["*/15 * * * 1-5", "UTC"], ["0 0 1 * *", "US/Eastern"], ["0 0 0 6 * * *", undefined],
      ["61 6 * * *", undefined], ["0 6 * *", undefined], ["0 6 * * 8", undefined], ["", undefined], ["0 6 * * *", "Mars/Base"], ["0 6 * * *", "europe/paris"],
      ["@daily", undefined], ["0 6 L * *", undefined],
    ];
    const freshness: [string, string | undefined][] = [
      ["24h", undefined], ["24h", "12h"], ["90s", "1m"], ["2w", "13d"], [" 24h ", undefined], ["24 h", undefined], ["0h", undefined], ["1.5h", undefined],
      ["12h", "12h"], ["12h", "1d"], ["1d", "24h"], ["24h", "x"],
    ];
    const objects: Record<string, string>[] = [{ maxLag: "24h", warn: "1h" }, { maxlag: "24h" }, {}, { maxLag: "24h", warnAfter: "1h" }];
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-automation-agree-"));
    const lines = ['import { asset, AutomationCondition } from "tributary-ts";'];
    crons.forEach(([cron, zone], i) => lines.push(`export const c${i} = asset({ key: "c${i}", deps: ["f0"], automation: AutomationCondition.onCron(${JSON.stringify(cron)}${zone ? `, { timezone: ${JSON.stringify(zone)} }` : ""}) }, async () => 1);`));
    freshness.forEach(([maxLag, warnAfter], i) => lines.push(`export const f${i} = asset({ key: "f${i}", freshness: { maxLag: ${JSON.stringify(maxLag)}${warnAfter ? `, warnAfter: ${JSON.stringify(warnAfter)}` : ""} } }, async () => 1);`));
    objects.forEach((object, i) => lines.push(`export const o${i} = asset({ key: "o${i}", freshness: ${JSON.stringify(object)} }, async () => 1);`));
    fs.mkdirSync(path.join(folder, "src"));
    fs.writeFileSync(path.join(folder, "src/assets.ts"), lines.join("\n") + "\n");
    let stdout = "";
    await runValidate([folder, "--json"], { stdout: (out) => (stdout += out), stderr: () => undefined });
    fs.rmSync(folder, { recursive: true, force: true });
    const report = JSON.parse(stdout) as ValidateReport;
    const flagged = new Set(report.diagnostics.filter((d) => d.severity === "error").map((d) => d.line - 2));
    const runtime = await import("../../runtime/src");
    const throws = (build: () => unknown): boolean => {
      try {
        build();
        return false;
      } catch {
        return true;
      }
    };
    crons.forEach(([cron, zone], i) => {
      const refused = throws(() => runtime.AutomationCondition.onCron(cron, zone ? { timezone: zone } : {}));
      assert.equal(flagged.has(i), refused, `onCron(${JSON.stringify(cron)}, ${zone}): runtime ${refused ? "refuses" : "accepts"}`);
    });
    freshness.forEach(([maxLag, warnAfter], i) => {
      const spec = { maxLag, ...(warnAfter ? { warnAfter } : {}) } as unknown as NonNullable<Parameters<typeof runtime.asset>[0]["freshness"]>;
      const refused = throws(() => runtime.asset({ key: `f${i}`, freshness: spec }, async () => 1));
      assert.equal(flagged.has(crons.length + i), refused, `freshness ${JSON.stringify(spec)}: runtime ${refused ? "refuses" : "accepts"}`);
    });
    objects.forEach((object, i) => {
      const refused = throws(() => runtime.asset({ key: `o${i}`, freshness: object as never }, async () => 1));
      assert.equal(flagged.has(crons.length + freshness.length + i), refused, `freshness ${JSON.stringify(object)}: runtime ${refused ? "refuses" : "accepts"}`);
    });
    const on = (index: number): string => report.diagnostics.filter((d) => d.line - 2 === crons.length + freshness.length + index).map((d) => d.message).join("\n");
    assert.equal(on(0), 'freshness takes maxLag and warnAfter, not "warn"');
    assert.equal(on(1), 'freshness takes maxLag and warnAfter, not "maxlag"; did you mean "maxLag"?');
  });

  it("reports nothing on the warehouse sample", async () => {
    let stdout = "";
    await runValidate([path.join(__dirname, "..", "..", "samples", "warehouse"), "--json"], { stdout: (s) => (stdout += s), stderr: () => undefined });
    const report = JSON.parse(stdout) as ValidateReport;
    assert.deepEqual(report.diagnostics.filter((d) => /^(automation|freshness)-/.test(d.code)), []);
  });

  it("updates the project-wide warnings when a dep gains a condition in another file", async () => {
    const raw = text("src/raw.ts").replace('asset({ key: "raw_payments" }', 'asset({ key: "raw_payments", automation: AutomationCondition.onCron("0 3 * * *") }')
      .replace('import { asset } from "tributary-ts";', 'import { asset, AutomationCondition } from "tributary-ts";');
    await client.open(file("src/raw.ts"));
    await client.change(file("src/raw.ts"), raw);
    await waitFor("stale_payments warning gone", () => !client.diagnosticsOf(file("src/problems.ts")).some((d) => d.message.includes("raw_payments")));
    assert.equal(client.diagnosticsOf(file("src/problems.ts")).filter((d) => d.code === "automation-deps-never-updated").length, 2);
  });

  it("follows an edit of a condition constant into the files that use it", async () => {
    const shared = text("src/shared.ts").replace("tb.AutomationCondition.eager()", 'tb.AutomationCondition.onCron("0 4 * * *")');
    await client.open(file("src/shared.ts"));
    await client.change(file("src/shared.ts"), shared);
    await waitFor("lonely_shared warning gone", () => !client.diagnosticsOf(file("src/problems.ts")).some((d) => d.message.includes("lonely_shared")));
    const result = await client.request<Hover>("textDocument/hover", {
      textDocument: { uri: uri(file("src/problems.ts")) }, position: cursor(text("src/problems.ts"), 'key: "lonely_sh|ared"'),
    });
    assert.match((result?.contents as { value: string }).value, /Automation: `on_cron\(0 4 \* \* \*, UTC\)`/);
  });
});
