import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { CodeAction, CompletionItem, Diagnostic, Hover, Location } from "vscode-languageserver-protocol";
import { ColumnLineageRequest, type ColumnLineageResult } from "../../server/src/protocol";
import { waitFor } from "../support/waitFor";
import { cursor, LspTestClient, uri } from "./lspClient";

describe("SQL assets in the language server over stdio", function () {
  this.timeout(30_000);
  let client: LspTestClient;
  let workspace: string;
  const file = (relative: string): string => path.join(workspace, relative);
  const read = (relative: string): string => fs.readFileSync(file(relative), "utf8");

  before(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-sql-lsp-"));
    fs.cpSync(path.join(__dirname, "fixtures", "sql"), workspace, { recursive: true });
    client = await LspTestClient.start([workspace]);
  });

  after(async () => {
    await client?.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  const hoverText = (result: Hover | null): string => (result?.contents as { value: string } | undefined)?.value ?? "";

  it("publishes the SQL problems of a file never opened, each at its place inside the template", async () => {
    await waitFor("broken.ts diagnostics", () => client.diagnosticsOf(file("models/broken.ts")).length >= 4);
    const text = read("models/broken.ts");
    const found = client.diagnosticsOf(file("models/broken.ts")).map((d) => [d.code, d.range.start]);
    assert.deepEqual(found, [
      ["unknown-column", cursor(text, "select |lable")],
      ["ambiguous-column", cursor(text, "select |n from ${rawNumbers} a")],
      ["sql-syntax", cursor(text, "select n, |from")],
      ["unknown-upstream", cursor(text, "${|rawNumber}")],
    ]);
    assert.deepEqual(client.diagnosticsOf(file("models/staging.ts")), []);
  });

  it("offers the did-you-mean of an unknown column as a quick fix", async () => {
    const diagnostic = client.diagnosticsOf(file("models/broken.ts")).find((d) => d.code === "unknown-column") as Diagnostic;
    const actions = await client.request<CodeAction[]>("textDocument/codeAction", {
      textDocument: { uri: uri(file("models/broken.ts")) }, range: diagnostic.range, context: { diagnostics: [diagnostic] },
    });
    const edit = actions[0]?.edit?.changes?.[uri(file("models/broken.ts"))]?.[0];
    assert.equal(actions[0]?.title, 'Change to "label"');
    assert.deepEqual(edit, { range: diagnostic.range, newText: "label" });
  });

  it("shows a column's type and lineage on hover, for a reference and for an output column", async () => {
    const text = read("models/staging.ts");
    const onRef = await client.request<Hover>("textDocument/hover", { textDocument: { uri: uri(file("models/staging.ts")) }, position: cursor(text, "d, lab|el, loaded_at") });
    assert.equal(hoverText(onRef), "**label** · `text` · column\n\nComputed from: `raw_numbers.label`");
    const onOutput = await client.request<Hover>("textDocument/hover", { textDocument: { uri: uri(file("models/staging.ts")) }, position: cursor(text, "n * 2 as |d") });
    assert.equal(hoverText(onOutput), "**d** · output column of `doubled`\n\nComputed from: `raw_numbers.n`");
  });

  it("goes from a column to the upstream's output column, across files", async () => {
    const text = read("models/staging.ts");
    const result = await client.request<Location | null>("textDocument/definition", { textDocument: { uri: uri(file("models/staging.ts")) }, position: cursor(text, "c.na|me, t.total") });
    const raw = read("models/raw.ts");
    assert.equal(result?.uri, uri(file("models/raw.ts")));
    assert.deepEqual(result?.range.start, cursor(raw, "1 as id, |'Ada' as name"));
  });

  it("completes the upstreams' columns inside the template", async () => {
    const text = read("models/staging.ts");
    const edited = text.replace("select * from ${doubled}", "select lo from ${doubled}");
    await client.open(file("models/staging.ts"), text);
    await client.change(file("models/staging.ts"), edited);
    const items = await client.request<CompletionItem[]>("textDocument/completion", { textDocument: { uri: uri(file("models/staging.ts")) }, position: cursor(edited, "select lo| from ${doubled}") });
    assert.deepEqual(items.map((i) => [i.label, i.detail]), [["d", "doubled"], ["label", "doubled · text"], ["loaded_at", "doubled"]]);
    assert.deepEqual(items[1]?.textEdit, { range: { start: cursor(edited, "select |lo from ${doubled}"), end: cursor(edited, "select lo| from ${doubled}") }, newText: "label" });
    await client.change(file("models/staging.ts"), text);
  });

  it("answers tributary/columnLineage with each column's upstream columns", async () => {
    const result = await client.request<ColumnLineageResult>(ColumnLineageRequest.method, { key: "joined" });
    assert.deepEqual(result?.columns?.map((c) => [c.name, c.from]), [
      ["id", ["raw_customers.id"]], ["name", ["raw_customers.name"]], ["total", ["raw_numbers.n"]], ["kind", ["raw_events.kind"]],
    ]);
    assert.equal(await client.request(ColumnLineageRequest.method, { key: "raw_events" }), null);
    const star = await client.request<ColumnLineageResult>(ColumnLineageRequest.method, { key: "events_copy" });
    assert.deepEqual(star, { key: "events_copy", columns: null });
  });

  it("reports a column removed upstream in the downstream file, and clears it when the column is back", async () => {
    const raw = read("models/raw.ts");
    await client.open(file("models/raw.ts"), raw);
    await client.change(file("models/raw.ts"), raw.replace("'one' as label", "'one' as title"));
    await waitFor("doubled to lose label", () => client.diagnosticsOf(file("models/staging.ts")).some((d) => d.code === "unknown-column"));
    const diagnostic = client.diagnosticsOf(file("models/staging.ts"))[0] as Diagnostic;
    assert.equal(diagnostic.message, 'Column "label" does not exist in "raw_numbers"; it has "loaded_at", "n", "title"');
    await client.change(file("models/raw.ts"), raw);
    await waitFor("staging.ts to be clean again", () => client.diagnosticsOf(file("models/staging.ts")).length === 0);
  });
});
