import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { CodeLoadError, DefinitionError } from "../../runtime/src/errors";
import { findProjectConfig } from "../../runtime/src/loader/config";
import { loadProject } from "../../runtime/src/loader/loadDefinitions";
import { tempProject, TWO_ASSETS } from "./fixtures";

const RUNTIME_DIR = resolve(__dirname, "..", "..", "runtime");

async function loadError(dir: string): Promise<CodeLoadError | DefinitionError> {
  try {
    await loadProject(dir, { env: {} });
  } catch (error) {
    assert.ok(error instanceof CodeLoadError || error instanceof DefinitionError, `unexpected ${String(error)}`);
    return error;
  }
  assert.fail("expected the project not to load");
}

describe("loading a project's code", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));
  const project = (files: Record<string, string>) => {
    const made = tempProject(files);
    cleanups.push(made.cleanup);
    return made.dir;
  };

  it("compiles the entry and returns its definitions and graph, located in the user's .ts lines", async () => {
    const dir = project({ "definitions.ts": TWO_ASSETS });
    const loaded = await loadProject(dir, { env: {} });
    assert.deepEqual([...loaded.graph.assets.keys()], ["first", "second"]);
    assert.deepEqual(loaded.graph.assets.get("second")!.deps, ["first"]);
    const location = loaded.graph.assets.get("second")!.location!;
    assert.equal(location.file, join(dir, "definitions.ts"));
    assert.equal(location.line, 5);
    assert.ok(readdirSync(join(dir, ".tributary", "build")).some((name) => /^definitions-[0-9a-f]+\.js$/.test(name)));
  });

  it("reports a syntax error with file:line:column and the offending line", async () => {
    const dir = project({
      "definitions.ts": 'import { asset, definitions } from "tributary-ts";\nexport const a = asset({ key: "a" }, async () => 1\nexport default definitions({ assets: [a] });\n',
    });
    const error = await loadError(dir);
    assert.ok(error instanceof CodeLoadError);
    assert.deepEqual(error.location, { file: join(dir, "definitions.ts"), line: 3, column: 1 });
    assert.match(error.message, /definitions\.ts:3:1: Expected "\)" but found "export"/);
    assert.ok(error.hint);
  });

  it("reports an exception thrown at import time in another file at that file's line", async () => {
    const dir = project({
      "definitions.ts": 'import { asset, definitions } from "tributary-ts";\nimport { settings } from "./settings";\nexport const a = asset({ key: "a" }, async () => settings);\nexport default definitions({ assets: [a] });\n',
      "settings.ts": 'export const settings = { ok: true };\nif (settings.ok) {\n  throw new Error("cannot read settings");\n}\n',
    });
    const error = await loadError(dir);
    assert.ok(error instanceof CodeLoadError);
    assert.equal(error.location?.file, join(dir, "settings.ts"));
    assert.equal(error.location?.line, 3);
    assert.match(error.message, /importing definitions\.ts threw Error: cannot read settings/);
    assert.doesNotMatch(error.message, /\n\s+at /, "no stack dump in the message");
  });

  it("reports a missing relative import at the import's line", async () => {
    const dir = project({
      "definitions.ts": 'import { asset, definitions } from "tributary-ts";\nimport { helper } from "./helpr";\nexport const a = asset({ key: "a" }, async () => helper());\nexport default definitions({ assets: [a] });\n',
    });
    const error = await loadError(dir);
    assert.equal(error.location?.line, 2);
    assert.match(error.message, /Could not resolve "\.\/helpr"/);
  });

  it("suggests installing a package the code imports but the project lacks", async () => {
    const dir = project({
      "definitions.ts": 'import { asset, definitions } from "tributary-ts";\nimport lodash from "lodash-not-installed";\nexport const a = asset({ key: "a" }, async () => lodash());\nexport default definitions({ assets: [a] });\n',
    });
    const error = await loadError(dir);
    assert.equal(error.location?.file, join(dir, "definitions.ts"));
    assert.equal(error.location?.line, 2);
    assert.equal(error.hint, "Install it in the project: npm install lodash-not-installed");
  });

  it("says what was exported instead of definitions(...) and how to fix it", async () => {
    const asDefault = project({
      "definitions.ts": 'import { asset } from "tributary-ts";\nexport const a = asset({ key: "a" }, async () => 1);\nexport default a;\n',
    });
    const wrong = await loadError(asDefault);
    assert.match(wrong.message, /the default export of definitions\.ts is an asset definition, not definitions\(\.\.\.\)/);
    assert.match(wrong.hint ?? "", /export default definitions\(\{ assets: \[/);

    const named = project({
      "definitions.ts": 'import { asset, definitions } from "tributary-ts";\nexport const a = asset({ key: "a" }, async () => 1);\nexport const defs = definitions({ assets: [a] });\n',
    });
    const missing = await loadError(named);
    assert.match(missing.message, /has no default export \(it exports "a", "defs"\)/);
    assert.equal(missing.hint, "Export it as the default: export default defs;");
  });

  it("keeps the location and hint of a definition error thrown while importing", async () => {
    const dir = project({
      "definitions.ts": 'import { asset, definitions } from "tributary-ts";\n\nexport const a = asset({ key: "not a key!" }, async () => 1);\nexport default definitions({ assets: [a] });\n',
    });
    const error = await loadError(dir);
    assert.equal(error.location?.line, 3);
    assert.match(error.message, /DefinitionError: asset key "not a key!" is invalid/);
    assert.match(error.hint ?? "", /name or a path/);
  });

  it("rejects an invalid graph with every problem named", async () => {
    const dir = project({
      "definitions.ts": 'import { asset, definitions } from "tributary-ts";\nexport const a = asset({ key: "a", deps: ["missing_upstream"] }, async () => 1);\nexport default definitions({ assets: [a] });\n',
    });
    const error = await loadError(dir);
    assert.ok(error instanceof DefinitionError);
    assert.match(error.message, /definitions\.ts:2:\d+: asset "a" depends on "missing_upstream", which is not defined \[unknown-dep\]/);
  });

  it("rejects a schedule and a sensor with the same name, naming both places (they would share ticks and status)", async () => {
    const dir = project({
      "definitions.ts": [
        'import { asset, definitions, schedule, sensor } from "tributary-ts";',
        'export const a = asset({ key: "a" }, async () => 1);',
        'export const nightly = schedule({ name: "refresh", cron: "0 2 * * *", selection: "a" });',
        'export const watcher = sensor({ name: "refresh", selection: "a" }, () => ({ skip: "nothing" }));',
        "export default definitions({ assets: [a], schedules: [nightly], sensors: [watcher] });",
        "",
      ].join("\n"),
    });
    const error = await loadError(dir);
    assert.ok(error instanceof DefinitionError);
    assert.match(error.message, /definitions\.ts:4:\d+: sensor "refresh" has the name of the schedule at \S*definitions\.ts:3:\d+; schedules and sensors share one namespace .* \[duplicate-instigator-name\]/);
    assert.match(error.message, /Rename one of them/);
  });

  it("uses the project's own tributary when it can resolve one, the running runtime otherwise", async () => {
    const without = project({ "definitions.ts": TWO_ASSETS });
    await loadProject(without, { env: {} });
    const fallbackBundle = readBundle(without);
    assert.match(fallbackBundle, /require\("[^"]*runtime[\\/]+dist[\\/]+index\.js"\)/);

    const withOwn = project({ "definitions.ts": TWO_ASSETS });
    mkdirSync(join(withOwn, "node_modules"));
    symlinkSync(RUNTIME_DIR, join(withOwn, "node_modules", "tributary-ts"), "junction");
    await loadProject(withOwn, { env: {} });
    assert.match(readBundle(withOwn), /require\("tributary-ts"\)/);
  });

  it("loads a config object as well as a folder", async () => {
    const dir = project({ "tributary.yaml": "entry: app/main.ts\n", "app/main.ts": TWO_ASSETS });
    const loaded = await loadProject(findProjectConfig(dir, {}));
    assert.equal(loaded.config.entryFile, join(dir, "app", "main.ts"));
    assert.equal(loaded.graph.assets.size, 2);
  });
});

function readBundle(dir: string): string {
  const buildDir = join(dir, ".tributary", "build");
  const name = readdirSync(buildDir).find((file) => file.endsWith(".js"))!;
  return readFileSync(join(buildDir, name), "utf8");
}
