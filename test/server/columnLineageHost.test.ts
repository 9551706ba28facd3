/**
 * The VS Code lineage panel's column lineage (client/src/columnLineage.ts, the adapter the panel
 * calls each time it sends the graph) against the real language server over stdio: the UI's
 * `columns` message for every asset of the graph, and again after an edit, before any save.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { columnsFromServer } from "../../client/src/columnLineage";
import { ColumnLineageRequest, LineageRequest, type ColumnLineageResult, type LineageResult } from "../../server/src/protocol";
import { ColumnLineage } from "../../ui/src/columns";
import { waitFor } from "../support/waitFor";
import { LspTestClient } from "./lspClient";

describe("the lineage panel's column lineage from the language server over stdio", function () {
  this.timeout(30_000);
  let client: LspTestClient;
  let workspace: string;
  const file = (relative: string): string => path.join(workspace, relative);

  before(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-columns-host-"));
    fs.cpSync(path.join(__dirname, "fixtures", "sql"), workspace, { recursive: true });
    client = await LspTestClient.start([workspace]);
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  const keys = async (): Promise<string[]> => {
    let graph: LineageResult | null = null;
    await waitFor("the lineage graph", async () => (graph = await client.request<LineageResult | null>(LineageRequest.method, {}))?.nodes.some((n) => n.key === "joined") ?? false);
    return graph!.nodes.map((n) => n.key);
  };
  const columns = async () => columnsFromServer((params) => client.request<ColumnLineageResult>(ColumnLineageRequest.method, params), await keys());

  it("gives the UI every asset of the graph with its columns, null where the analysis cannot know them", async () => {
    const assets = await columns();
    const byKey = new Map(assets.map((a) => [a.key, a.columns]));
    assert.equal(byKey.get("raw_events"), null, "a TypeScript asset");
    assert.equal(byKey.get("events_copy"), null, "a * over a TypeScript asset");
    assert.deepEqual(byKey.get("doubled"), [
      { name: "d", from: ["raw_numbers.n"] },
      { name: "label", type: "text", from: ["raw_numbers.label"] },
      { name: "loaded_at", from: ["raw_numbers.loaded_at"] },
    ]);
    // The UI follows them across the graph: raw_numbers.n feeds doubled.d, and through it everything.d and misspelt.d (broken.ts).
    const lineage = new ColumnLineage(assets, assets.map((a) => a.key));
    const path = lineage.pathOf({ key: "raw_numbers", column: "n" });
    assert.deepEqual([...path.columns].map((id) => id.replace("\n", ".")).sort(), ["doubled.d", "everything.d", "joined.total", "misspelt.d", "raw_numbers.n"]);
  });

  it("follows an edit as it is typed, before any save: a column added upstream appears, and goes when undone", async () => {
    const raw = fs.readFileSync(file("models/raw.ts"), "utf8");
    await client.open(file("models/raw.ts"), raw);
    await client.change(file("models/raw.ts"), raw.replace("select 1::integer as n,", "select 1::integer as n, 2 as m,"));
    const edited = await waitFor("raw_numbers.m in the column lineage", async () => {
      const assets = await columns();
      return assets.find((a) => a.key === "raw_numbers")?.columns?.some((c) => c.name === "m") ? assets : undefined;
    });
    assert.deepEqual(edited.find((a) => a.key === "raw_numbers")?.columns?.map((c) => c.name), ["n", "m", "label", "loaded_at"]);
    await client.change(file("models/raw.ts"), raw);
    await waitFor("m gone again", async () => !(await columns()).find((a) => a.key === "raw_numbers")?.columns?.some((c) => c.name === "m"));
  });
});
