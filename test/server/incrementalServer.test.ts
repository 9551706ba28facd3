import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Diagnostic } from "vscode-languageserver-protocol";
import { LspTestClient, uri } from "./lspClient";
import { waitFor } from "../support/waitFor";

/** The server publishes what an edit changed, in every file it changed, and nothing else. */
describe("language server publishing after edits", function () {
  this.timeout(30_000);
  let client: LspTestClient;
  let workspace: string;
  const file = (relative: string): string => path.join(workspace, relative);
  const messages = (diagnostics: Diagnostic[]): string[] => diagnostics.map((d) => `${String(d.code)}: ${d.message}`).sort();
  /** The latest diagnostics of every file published so far (files without any left out), as comparable text. */
  const everyFile = (): string => {
    const latest = new Map<string, string[]>();
    for (const publish of client.publishes) latest.set(publish.uri, messages(publish.diagnostics));
    return JSON.stringify([...latest].filter(([, list]) => list.length > 0).sort(([a], [b]) => a.localeCompare(b)));
  };

  before(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-lsp-incremental-"));
    fs.cpSync(path.join(__dirname, "fixtures", "warehouse"), workspace, { recursive: true });
    client = await LspTestClient.start([workspace], { settings: { daemonPollIntervalMs: 0 } });
    await waitFor("staging diagnostics", () => client.diagnosticsOf(file("src/models/staging.ts")).length > 0);
  });

  after(async () => {
    await client?.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it("updates the diagnostics of another, unopened file when an edit renames a key it depends on", async () => {
    const raw = file("src/raw.ts");
    const staging = file("src/models/staging.ts");
    const before = messages(client.diagnosticsOf(staging));
    const everyFileBefore = everyFile();
    const text = await client.open(raw);
    await client.change(raw, text.replace('key: "raw_payments"', 'key: "raw_paymentz"'));
    const broken = await waitFor("staging.ts to report raw_payments unknown", () => {
      const now = client.diagnosticsOf(staging);
      return now.some((d) => d.code === "unknown-dep" && d.message.includes('"raw_payments"')) ? now : undefined;
    });
    assert.match(broken.find((d) => d.message.includes('"raw_payments"'))?.message ?? "", /did you mean "raw_paymentz"\?/);
    await client.change(raw, text);
    await waitFor("staging.ts to be back as it was", () => JSON.stringify(messages(client.diagnosticsOf(staging))) === JSON.stringify(before));
    // Every other file the rename touched (jobs.ts selects raw_payments) is back too: no publish of
    // this test may arrive during the next one.
    await waitFor("every file to be back as it was", () => everyFile() === everyFileBefore);
  });

  it("publishes nothing for an edit that changes nothing visible, and the edited file first for one that does", async () => {
    const raw = file("src/raw.ts");
    const text = fs.readFileSync(raw, "utf8");
    const invisible = text.replace("async () => []", "async () => /* later */ []");
    assert.notEqual(invisible, text);
    const mark = client.publishes.length;
    await client.change(raw, invisible);
    // A visible edit after it: the server handles messages in order, so anything the invisible
    // edit published would arrive before this one's diagnostics.
    await client.change(raw, invisible.replace('key: "raw_payments"', 'key: "raw_payments", deps: ["raw_payments"]'));
    await waitFor("the self-dependency", () => client.diagnosticsOf(raw).some((d) => d.code === "self-dependency"));
    const published = client.publishes.slice(mark);
    assert.equal(published[0]?.uri, uri(raw), `the first publish after the edits is the edited file's: ${published.map((p) => p.uri).join(", ")}`);
    assert.ok(published[0]?.diagnostics.some((d) => d.code === "self-dependency"), "no publish came from the invisible edit");
    await client.change(raw, text);
    await waitFor("the self-dependency to go", () => !client.diagnosticsOf(raw).some((d) => d.code === "self-dependency"));
  });
});
