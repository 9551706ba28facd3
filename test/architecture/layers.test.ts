/** The layers of docs/architecture.md hold: checked on the real tree, and shown to catch what they forbid. */
import assert from "node:assert/strict";
import { checkArchitecture, readSources, REPOSITORY_ROOT } from "./layers";

describe("architecture: one-way layers", () => {
  const sources = readSources(REPOSITORY_ROOT);

  it("finds no import against the layers, no import cycle and no impure import of the runtime in the tree", () => {
    assert.ok(sources.size > 150, `read only ${sources.size} files`);
    assert.deepEqual(checkArchitecture(sources), []);
  });

  it("fails on a planted back-import: the selection parser importing the daemon", () => {
    const planted = new Map(sources);
    planted.set("runtime/src/selection/planted.ts", 'import { Daemon } from "../daemon/daemon";\nexport const d = Daemon;\n');
    const violations = checkArchitecture(planted);
    assert.equal(violations.length, 1, violations.join("\n"));
    assert.match(violations[0]!, /^runtime\/src\/selection\/planted\.ts:1: selection imports runtime\/src\/daemon\/daemon\.ts of daemon, a higher layer/);
  });

  it("fails on a planted import cycle between two modules of one layer, and not on a type-only one", () => {
    const planted = new Map(sources);
    planted.set("runtime/src/graph/plantedA.ts", 'import { b } from "./plantedB";\nexport const a = () => b();\n');
    planted.set("runtime/src/graph/plantedB.ts", 'import { a } from "./plantedA";\nexport const b = () => a();\n');
    planted.set("runtime/src/graph/plantedC.ts", 'import type { D } from "./plantedD";\nexport type C = D[];\n');
    planted.set("runtime/src/graph/plantedD.ts", 'import type { C } from "./plantedC";\nexport type D = { c: C };\n');
    const violations = checkArchitecture(planted);
    assert.deepEqual(violations, ["import cycle: runtime/src/graph/plantedA.ts ↔ runtime/src/graph/plantedB.ts (type-only imports aside, these modules need each other to load)"]);
  });

  it("fails when the language server reaches into the runtime beyond its pure subpaths", () => {
    const planted = new Map(sources);
    planted.set("server/src/analysis/planted.ts", 'import { openStorage } from "tributary-ts";\nimport { parseSelection } from "tributary-ts/selection";\nexport const x = [openStorage, parseSelection];\n');
    const violations = checkArchitecture(planted);
    assert.equal(violations.length, 1, violations.join("\n"));
    assert.match(violations[0]!, /^server\/src\/analysis\/planted\.ts:1: imports tributary-ts of the runtime/);
  });
});
