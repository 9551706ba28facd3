import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findCycles } from "../../server/src/analysis/cycles";
import type { AssetNode } from "../../server/src/analysis/model";
import type { DependencyEdge } from "../../server/src/analysis/projectModel";
import { LspTestClient } from "./lspClient";
import { waitFor } from "../support/waitFor";

/**
 * A dependency cycle through thousands of assets once made the server publish a diagnostic per
 * edge listing the whole cycle and every other edge (quadratic in size, and more in work): it
 * blocked every request and, past ~2,000 assets, threw "Invalid string length" and published
 * nothing. These tests count what is published, never how long it took.
 */
describe("language server on a long dependency cycle", function () {
  this.timeout(60_000);
  const assetCount = 2_000;
  let client: LspTestClient;
  let workspace: string;
  let definitions: string;

  before(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), "tributary-lsp-cycle-"));
    definitions = path.join(workspace, "src/definitions.ts");
    fs.mkdirSync(path.dirname(definitions), { recursive: true });
    const lines = ['import { asset, definitions } from "tributary-ts";', ""];
    // a0 depends on a1, a1 on a2, ..., the last one on a0: one ring through every asset.
    for (let i = 0; i < assetCount; i++) {
      lines.push(`export const a${i} = asset({ key: "a${i}", deps: ["a${(i + 1) % assetCount}"] }, async () => 1);`);
    }
    lines.push("", `export default definitions({ assets: [${Array.from({ length: assetCount }, (_, i) => `a${i}`).join(", ")}] });`, "");
    fs.writeFileSync(definitions, lines.join("\n"));
    client = await LspTestClient.start([workspace], { readyTimeoutMs: 40_000 });
  });

  after(async () => {
    await client?.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  it("reports a 2,000-asset cycle with one bounded diagnostic per asset, its path shortened", async () => {
    const cycles = await waitFor("the cycle diagnostics", () => {
      const found = client.diagnosticsOf(definitions).filter((d) => d.code === "cycle");
      return found.length > 0 ? found : undefined;
    }, 40_000);
    assert.equal(cycles.length, assetCount, "one diagnostic per asset on the cycle");
    for (const diagnostic of cycles) {
      assert.ok(diagnostic.message.length <= 200, `a bounded message: ${diagnostic.message.slice(0, 300)}`);
      assert.ok((diagnostic.relatedInformation?.length ?? 0) <= 5, "a bounded list of related locations");
    }
    const published = client.publishes.filter((p) => p.diagnostics.some((d) => d.code === "cycle"));
    const bytes = published.reduce((sum, p) => sum + JSON.stringify(p.diagnostics).length, 0);
    assert.ok(bytes < assetCount * 2_000, `published ${bytes} bytes of diagnostics for ${assetCount} assets`);
    const first = cycles.find((d) => d.range.start.line === 2);
    assert.match(first?.message ?? "", /^Dependency cycle: a0 -> a1 -> a2 -> \.\.\. \(1996 more\) -> a1999 -> a0;/);
    const last = cycles.find((d) => d.range.start.line === assetCount + 1);
    assert.match(last?.message ?? "", /^Dependency cycle: a1999 -> a0 -> a1 -> \.\.\. \(1996 more\) -> a1998 -> a1999;/);
  });

  it("clears every cycle diagnostic when an edit breaks the cycle", async () => {
    const text = await client.open(definitions);
    await client.change(definitions, text.replace(`deps: ["a0"]`, "deps: []"));
    await waitFor("the cycle diagnostics to go", () => !client.diagnosticsOf(definitions).some((d) => d.code === "cycle"), 40_000);
  });
});

/** The same rule on graphs that are not rings: every step a message names is a dep written in code. */
describe("cycle diagnostics of the analysis library", () => {
  /** Runs findCycles on `pairs` (`[from, to]`: from depends on to), each edge on its own line. */
  function cyclesOf(pairs: [string, string][]): { byAsset: Map<string, string>; edges: Set<string> } {
    const keys = new Set(pairs.flat());
    const assets = new Map([...keys].map((key) => [key, { key } as AssetNode]));
    const edges: DependencyEdge[] = pairs.map(([from, to], line) => ({ from, to, file: "f.ts", span: { start: { line, character: 0 }, end: { line, character: 1 } } }));
    const byAsset = new Map<string, string>();
    for (const diagnostic of findCycles(assets, edges).diagnostics) {
      const [from] = pairs[diagnostic.span?.start.line as number] as [string, string];
      assert.ok(!byAsset.has(from), `one diagnostic for ${from}`);
      byAsset.set(from, diagnostic.message);
    }
    return { byAsset, edges: new Set(pairs.map(([from, to]) => `${from}>${to}`)) };
  }

  /** Checks a message names a chain of real deps from `key` back to itself; returns its length in steps. */
  function checkChain(key: string, message: string, edges: Set<string>): number {
    const chain = /^Dependency cycle: (.*?); /.exec(message)?.[1]?.split(" -> ") ?? [];
    assert.equal(chain[0], key, message);
    assert.equal(chain[chain.length - 1], key, message);
    let steps = 0;
    for (let i = 0; i + 1 < chain.length; i++) {
      const more = /^\.\.\. \((\d+) more\)$/.exec(chain[i + 1] as string);
      if (more) {
        steps += Number(more[1]) + 1;
        i++;
        continue;
      }
      assert.ok(edges.has(`${chain[i]}>${chain[i + 1]}`), `${chain[i]} depends on ${chain[i + 1]} in ${message}`);
      steps++;
    }
    return steps;
  }

  it("names a cycle through each asset when two cycles share one, and nothing for the assets outside", () => {
    const { byAsset, edges } = cyclesOf([["a", "b"], ["b", "a"], ["b", "c"], ["c", "d"], ["d", "b"], ["d", "outside"], ["outside", "x"]]);
    assert.deepEqual([...byAsset.keys()].sort(), ["a", "b", "c", "d"]);
    for (const [key, message] of byAsset) checkChain(key, message, edges);
    assert.match(byAsset.get("a") as string, /^Dependency cycle: a -> b -> a; assets must form a DAG, remove one of these deps$/);
  });

  it("keeps messages short in a dense cycle and counts the steps it does not name", () => {
    // 40 assets, each depending on the next and on every fifth asset: one component.
    const pairs: [string, string][] = [];
    for (let i = 0; i < 40; i++) {
      pairs.push([`n${i}`, `n${(i + 1) % 40}`]);
      for (let j = 0; j < 40; j += 5) if (j !== i && j !== (i + 1) % 40) pairs.push([`n${i}`, `n${j}`]);
    }
    const { byAsset, edges } = cyclesOf(pairs);
    assert.equal(byAsset.size, 40);
    for (const [key, message] of byAsset) {
      assert.ok(message.length < 120, message);
      assert.ok(checkChain(key, message, edges) >= 2, message);
    }
  });

  it("reports a long ring with the same short message shape for every asset, the first one included", () => {
    const pairs = Array.from({ length: 50 }, (_, i): [string, string] => [`k${i}`, `k${(i + 1) % 50}`]);
    const { byAsset, edges } = cyclesOf(pairs);
    assert.equal(byAsset.size, 50);
    for (const [key, message] of byAsset) assert.equal(checkChain(key, message, edges), 50, message);
    assert.equal(byAsset.get("k0"), "Dependency cycle: k0 -> k1 -> k2 -> ... (46 more) -> k49 -> k0; assets must form a DAG, remove one of these deps");
    assert.equal(byAsset.get("k49"), "Dependency cycle: k49 -> k0 -> k1 -> ... (46 more) -> k48 -> k49; assets must form a DAG, remove one of these deps");
  });
});
