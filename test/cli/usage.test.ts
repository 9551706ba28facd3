import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { tempProject, TWO_ASSETS } from "../loader/fixtures";
import { runMain } from "./helpers";

describe("tributary CLI usage", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));
  const project = (files: Record<string, string>) => {
    const made = tempProject(files);
    cleanups.push(made.cleanup);
    return made.dir;
  };

  it("prints the package version and exits 0", async () => {
    const { version } = JSON.parse(readFileSync(resolve(__dirname, "..", "..", "runtime", "package.json"), "utf8")) as { version: string };
    const outcome = await runMain(["--version"], process.cwd());
    assert.equal(outcome.code, 0);
    assert.equal(outcome.stdout, `${version}\n`);
  });

  it("prints help for the CLI and for each command", async () => {
    const global = await runMain(["--help"], process.cwd());
    assert.equal(global.code, 0);
    for (const command of ["materialize", "assets", "runs", "validate", "init", "migrate"]) assert.match(global.stdout, new RegExp(`\\n  ${command} `));
    const materialize = await runMain(["materialize", "--help"], process.cwd());
    assert.equal(materialize.code, 0);
    assert.match(materialize.stdout, /--select SEL/);
    assert.match(materialize.stdout, /--in-process/);
  });

  it("exits 2 with a suggestion for an unknown command", async () => {
    const outcome = await runMain(["materialise"], process.cwd());
    assert.equal(outcome.code, 2);
    assert.equal(outcome.stderr, 'error: unknown command "materialise"\nhint: Did you mean `tributary materialize`?\n');
  });

  it("exits 2 for an unknown flag and for a missing --select", async () => {
    const unknown = await runMain(["materialize", "--select", "*", "--colour"], process.cwd());
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^error: materialize: Unknown option '--colour'/);
    const missing = await runMain(["materialize"], process.cwd());
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error: materialize: --select or --job is required\nhint: /);
  });

  it("exits 2 for a selection that does not parse, with a caret under the offending position", async () => {
    const outcome = await runMain(["materialize", "--select", "group:raw and (first"], process.cwd());
    assert.equal(outcome.code, 2);
    const lines = outcome.stderr.split("\n");
    assert.match(lines[0]!, /^error: invalid selection: unclosed "\(" at position 15 of "group:raw and \(first"/);
    assert.equal(lines[1], "  group:raw and (first");
    assert.equal(lines[2], `  ${" ".repeat(14)}^`);
    assert.match(lines[3]!, /^hint: /);
  });

  it("exits 2 for a bad --concurrency, --limit or --status", async () => {
    assert.equal((await runMain(["materialize", "--select", "*", "--concurrency", "zero"], process.cwd())).code, 2);
    assert.equal((await runMain(["runs", "list", "--limit", "-3"], process.cwd())).code, 2);
    const status = await runMain(["runs", "list", "--status", "DONE"], process.cwd());
    assert.equal(status.code, 2);
    assert.match(status.stderr, /unknown status "DONE"/);
    assert.equal((await runMain(["runs", "explode"], process.cwd())).code, 2);
  });

  it("prints error and hint without a stack when there is no project, and exits 1", async () => {
    const dir = project({ "notes.txt": "" });
    const outcome = await runMain(["runs", "list"], dir);
    assert.equal(outcome.code, 1);
    assert.match(outcome.stderr, /^error: No Tributary project in .*\nhint: Run `tributary init`/);
    assert.doesNotMatch(outcome.stderr, /\n\s+at /);
    const verbose = await runMain(["runs", "list", "--verbose"], dir);
    assert.match(verbose.stderr, /\n\s+at /, "--verbose shows the stack");
  });

  it("reports a code load error at the user's line and exits 1", async () => {
    const dir = project({ "definitions.ts": TWO_ASSETS.replace("async () => [{ id: 1 }]", "async () => [{ id: 1 }") });
    const outcome = await runMain(["assets", "list"], dir);
    assert.equal(outcome.code, 1);
    assert.match(outcome.stderr, new RegExp(`^error: ${join(dir, "definitions.ts").replace(/[.\\/]/g, "\\$&")}:3:\\d+: Expected "\\]"`));
    assert.match(outcome.stderr, /\nhint: /);
  });

  it("refuses to overwrite files on init and writes nothing", async () => {
    const dir = project({ "package.json": '{"name":"mine"}\n' });
    const outcome = await runMain(["init"], dir);
    assert.equal(outcome.code, 1);
    assert.match(outcome.stderr, /package\.json already exists .*nothing was written/);
    assert.equal(readFileSync(join(dir, "package.json"), "utf8"), '{"name":"mine"}\n');
    assert.throws(() => readFileSync(join(dir, "definitions.ts")));
  });

  it("says validate is unavailable (exit 2) when its bundled analysis is missing", async () => {
    // Run from src/, next to which no bundled/validate.js is ever built.
    const outcome = await runMain(["validate"], process.cwd());
    assert.equal(outcome.code, 2);
    assert.match(outcome.stderr, /^error: tributary validate is not available in this build: .*validate\.js is missing\nhint: /);
  });
});
