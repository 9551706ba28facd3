/**
 * `tributary validate` is fit for CI: every project that `tributary assets list` cannot load and
 * whose problem can be found without running code fails validation (exit 1) at the file, line and
 * column the loader names. Each case runs both commands on the same project. Validate runs as the
 * CLI composes it (the loader's discovery + the bundled analysis, here from source), and once
 * through the real bin.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { discoverProject } from "../../runtime/src/cli/validate";
import { runValidate, type ValidateReport } from "../../server/src/validateCli";
import { tempProject, TWO_ASSETS } from "../loader/fixtures";
import { runBin, runMain, testEnv } from "./helpers";

/** `tributary validate DIR --json` as the CLI runs it, in this process. */
async function validate(dir: string, env = testEnv()): Promise<{ code: number; report: ValidateReport }> {
  let stdout = "";
  const code = await runValidate([dir, "--json"], { stdout: (s) => (stdout += s), stderr: () => undefined }, {
    discover: (directory) => discoverProject(directory, env),
  });
  return { code, report: JSON.parse(stdout) as ValidateReport };
}

function found(report: ValidateReport): string[] {
  return report.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} ${d.code}`);
}

const JOB = (name: string): string => `defineAssetJob({ name: "${name}", selection: "*" })`;

describe("tributary validate reports what stops the project from loading", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));
  const project = (files: Record<string, string>): string => {
    const made = tempProject(files);
    cleanups.push(made.cleanup);
    return made.dir;
  };

  /** Both commands on one project: assets list fails (its message names `where`), validate reports `expected`. */
  async function bothFail(files: Record<string, string>, expected: string[], where: RegExp, env = testEnv()): Promise<ValidateReport> {
    const dir = project(files);
    const listed = await runMain(["assets", "list"], dir, env);
    assert.equal(listed.code, 1, `assets list fails: ${listed.stdout}${listed.stderr}`);
    assert.match(listed.stderr, where);
    const { code, report } = await validate(dir, env);
    assert.deepEqual(found(report), expected);
    assert.equal(code, 1);
    return report;
  }

  it("reports an entry: naming a missing file at its line in tributary.yaml", async () => {
    const report = await bothFail({ "tributary.yaml": "# the project\nentry: src/defs.ts\n", "definitions.ts": TWO_ASSETS },
      ["tributary.yaml:2:8 error missing-entry"], /entry "src\/defs\.ts" does not exist/);
    assert.match(report.diagnostics[0]!.message, /^entry "src\/defs\.ts" does not exist .*Point `entry:` at the \.ts file/);
  });

  it("reports a folder with neither tributary.yaml nor definitions.ts", async () => {
    await bothFail({ "assets.ts": 'export const x = 1;\n' }, [".:1:1 error missing-entry"], /No Tributary project/);
  });

  it("reports invalid tributary.yaml settings and unset variables with their line and column", async () => {
    await bothFail({ "tributary.yaml": "entry: definitions.ts\nexecutor:\n  maxConcurency: 2\n", "definitions.ts": TWO_ASSETS },
      ["tributary.yaml:3:3 error invalid-config"], /unknown setting "executor\.maxConcurency"/);
    const report = await bothFail({ "tributary.yaml": "storage:\n  url: ${VALIDATE_TEST_UNSET_URL}\n", "definitions.ts": TWO_ASSETS },
      ["tributary.yaml:2:8 error invalid-config"], /VALIDATE_TEST_UNSET_URL is not set/);
    assert.match(report.diagnostics[0]!.message, /\$\{VALIDATE_TEST_UNSET_URL:-value\}/);
  });

  it("reports a daemon: or notifications: mistake at its line, as the daemon would refuse it at start", async () => {
    await bothFail({ "tributary.yaml": "entry: definitions.ts\ndaemon:\n  maxConcurrentRuns: 2.5\n", "definitions.ts": TWO_ASSETS },
      ["tributary.yaml:3:22 error invalid-config"], /daemon\.maxConcurrentRuns: expected a whole number >= 0, got 2\.5/);
    await bothFail({ "tributary.yaml": "notifications:\n  webhooks:\n    - url: https://hooks.example.com/x\n      event: [run_success]\n", "definitions.ts": TWO_ASSETS },
      ["tributary.yaml:4:7 error invalid-config"], /unknown setting "notifications\.webhooks\[0\]\.event"/);
  });

  it("reports a storage URL tributary.yaml gives that no storage understands", async () => {
    await bothFail({ "tributary.yaml": "storage:\n  url: mysql://db/x\n", "definitions.ts": TWO_ASSETS },
      ["tributary.yaml:2:8 error invalid-config"], /Unsupported database URL/);
  });

  it("reports a syntax error in a definitions file at its position", async () => {
    const broken = TWO_ASSETS.replace("inputs.first.length);", "inputs.first.length;");
    const report = await bothFail({ "definitions.ts": broken }, ["definitions.ts:5:104 error syntax-error"], /definitions\.ts:5:104: Expected "\)"/);
    assert.match(report.diagnostics[0]!.message, /^Syntax error: '\)' expected/);
  });

  it("reports a relative import of a file that does not exist, and a package that is not installed", async () => {
    const entry = `import { asset, definitions } from "tributary-ts";\nimport { rows } from "./lib/rowz";\n\nexport default definitions({ assets: [asset({ key: "a" }, async () => rows)] });\n`;
    await bothFail({ "definitions.ts": entry, "lib/rows.ts": "export const rows = [];\n" }, ["definitions.ts:2:23 error unresolved-import"], /Could not resolve "\.\/lib\/rowz"/);
    const pkg = `import { asset, definitions } from "tributary-ts";\nimport left from "left-pad-not-installed";\n\nexport default definitions({ assets: [asset({ key: "a" }, async () => left("x", 3))] });\n`;
    await bothFail({ "definitions.ts": pkg }, ["definitions.ts:2:19 error missing-package"], /Cannot find module 'left-pad-not-installed'/);
  });

  it("reports an entry whose default export is missing or is not definitions(...)", async () => {
    const named = TWO_ASSETS.replace("export default definitions(", "export const defs = definitions(");
    const report = await bothFail({ "definitions.ts": named }, ["definitions.ts:1:1 error no-definitions-export"], /has no default export/);
    assert.match(report.diagnostics[0]!.message, /export default defs;/);
    const asset = TWO_ASSETS.replace("export default definitions({ assets: [first, second] });", "export default second;");
    await bothFail({ "definitions.ts": asset }, ["definitions.ts:5:23 error no-definitions-export"], /is an asset definition, not definitions/);
  });

  it("reports two jobs of one name", async () => {
    const entry = TWO_ASSETS.replace('import { asset, definitions }', 'import { asset, defineAssetJob, definitions }')
      .replace("export default definitions({ assets: [first, second] });",
        `export const a = ${JOB("nightly")};\nexport const b = ${JOB("nightly")};\nexport default definitions({ assets: [first, second], jobs: [a, b] });`);
    await bothFail({ "definitions.ts": entry }, ["definitions.ts:8:42 error duplicate-name"], /two jobs are named "nightly"/);
  });

  it("passes a project that loads: packages, node builtins, JSON and .js-suffixed imports, type-only imports", async () => {
    const entry = `import { readFileSync } from "node:fs";
import * as path from "path";
import type { Missing } from "types-only-not-installed";
import { asset, definitions } from "tributary-ts";
import data from "./data.json";
import { rows } from "./lib/rows.js";

export const a = asset({ key: "a" }, async () => [...rows, data, readFileSync, path.sep] as unknown as Missing);
export default definitions({ assets: [a] });
`;
    const dir = project({ "tributary.yaml": "entry: src/definitions.ts\n", "src/definitions.ts": entry, "src/data.json": "{}", "src/lib/rows.ts": "export const rows = [1];\n" });
    assert.equal((await runMain(["assets", "list"], dir)).code, 0);
    const { code, report } = await validate(dir);
    assert.deepEqual(report.diagnostics, []);
    assert.equal(code, 0);
  });

  it("keeps a duplicated key's declared deps in --json", async () => {
    const entry = `${TWO_ASSETS}export const again = asset({ key: "second", deps: ["first"] }, async () => 2);\n`;
    const { report } = await validate(project({ "definitions.ts": entry }));
    assert.deepEqual(report.assets.filter((a) => a.key === "second").map((a) => a.deps), [["first"], ["first"]]);
    assert.ok(found(report).includes("definitions.ts:8:36 error duplicate-key"), found(report).join("\n"));
  });

  it("exits 1 from the real bin for a missing entry and a syntax error, naming file:line:column", async () => {
    const missing = project({ "tributary.yaml": "entry: nope.ts\n" });
    const outcome = await runBin(["validate"], missing);
    assert.equal(outcome.code, 1, outcome.stdout + outcome.stderr);
    assert.match(outcome.stdout, /^tributary\.yaml:1:8 error missing-entry entry "nope\.ts" does not exist/m);
    const syntax = project({ "definitions.ts": "export const x = ;\n" });
    const json = await runBin(["validate", syntax, "--json"], join(syntax, ".."));
    assert.equal(json.code, 1);
    assert.deepEqual(found(JSON.parse(json.stdout) as ValidateReport), ["definitions.ts:1:18 error syntax-error"]);
  });
});
