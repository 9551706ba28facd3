import { strict as assert } from "node:assert";
import * as path from "node:path";
import { ProjectIndex } from "../../server/src/analysis";

/**
 * Which imports the analysis reads as Tributary's API. The runtime is the npm package `tributary-ts`
 * (and its subpaths); the npm name `tributary` belongs to an unrelated package ("Insert one stream
 * into another"), so `asset` imported from it is that package's function, not ours, and must not
 * put assets in the lineage or diagnostics on the file.
 */

const root = path.join(path.sep, "tmp", "tributary-runtime-package-fixture");

function indexOf(files: Record<string, string>): ProjectIndex {
  const index = new ProjectIndex(root);
  for (const [name, text] of Object.entries(files)) index.update(path.join(root, name), text);
  return index;
}

function assetKeys(index: ProjectIndex): string[] {
  return [...index.model().assets.values()].map((asset) => asset.key).sort();
}

const ASSETS = (specifier: string): string => `import { asset } from "${specifier}";
import * as tb from "${specifier}";
export const raw = asset({ key: "raw" }, async () => 1);
export const clean = tb.asset({ key: "clean", deps: ["raw", "missing"] }, async () => 2);
`;

describe("the runtime package the analysis recognises", () => {
  it("reads assets imported from tributary-ts, named and through a namespace import", () => {
    const index = indexOf({ "assets.ts": ASSETS("tributary-ts") });
    assert.deepEqual(assetKeys(index), ["clean", "raw"]);
    const codes = index.model().diagnostics.get(path.join(root, "assets.ts"))?.map((d) => d.code);
    assert.deepEqual(codes, ["unknown-dep"]);
  });

  it("ignores the same calls imported from `tributary`, an unrelated npm package", () => {
    const index = indexOf({ "assets.ts": ASSETS("tributary") });
    assert.deepEqual(assetKeys(index), []);
    assert.equal(index.model().diagnostics.get(path.join(root, "assets.ts")), undefined);
  });

  it("reads partitions imported from the subpath tributary-ts/partitions", () => {
    const index = indexOf({
      "assets.ts": `import { asset } from "tributary-ts";
import { dailyPartitions } from "tributary-ts/partitions";
export const daily = asset({ key: "daily", partitions: dailyPartitions({ start: "2024-02-30" }) }, async () => 1);
`,
    });
    assert.deepEqual(assetKeys(index), ["daily"]);
    const codes = index.model().diagnostics.get(path.join(root, "assets.ts"))?.map((d) => d.code);
    assert.deepEqual(codes, ["invalid-partition-start"]);
  });
});
